/** What the Kaltura emulator's `GET /__control/state` says of each entry. */
export interface KalturaEntryState {
  id: string;
  userId: string;
  creatorId: string;
  name: string;
  description: string;
  referenceId: string | null;
  adminTags: string | null;
  categories: string[];
  entitledUsersEdit: string[];
  entitledUsersPublish: string[];
  entitledUsersView: string[];
  status: number;
  captions: Array<{ id?: string; language?: string | null; label: string | null; format: string | null; text: string | null }>;
  contentSize: number | null;
  contentSha256: string | null;
}
