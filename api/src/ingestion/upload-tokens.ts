import { createHash } from 'node:crypto';
import type { KalturaPort } from '../kaltura/kaltura-port.js';

/**
 * The file name of a recording's upload tokens: readable in Kaltura, and carrying a tag unique to the
 * integration and recording, so that a later attempt can find (uploadToken.list, fileNameEqual) a
 * token an earlier one created but crashed before noting. The recording id itself is too long for a
 * file name (Graph's run past 200 characters), hence its hash.
 */
export function uploadFileName(integrationId: string, recordingId: string, title: string): string {
  const tag = createHash('sha256').update(`${integrationId}\n${recordingId}`).digest('hex').slice(0, 16);
  const readable = title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').slice(0, 150);
  return `${readable} [${tag}].mp4`;
}

/**
 * Deletes upload tokens that would otherwise hold a recording's bytes in Kaltura with nothing to attach
 * them to: every live one named `fileName`, and `tokenId`, except `keep`. Returns the ids deleted.
 */
export async function dropUploadTokens(
  kaltura: Pick<KalturaPort, 'findUploadTokens' | 'deleteUploadToken'>,
  tokens: { fileName?: string; tokenId?: string; keep?: string },
): Promise<string[]> {
  const ids = new Set<string>();
  if (tokens.fileName) for (const t of await kaltura.findUploadTokens(tokens.fileName)) if (!t.attachedObjectId) ids.add(t.id);
  if (tokens.tokenId) ids.add(tokens.tokenId);
  if (tokens.keep) ids.delete(tokens.keep);
  for (const id of ids) await kaltura.deleteUploadToken(id);
  return [...ids];
}
