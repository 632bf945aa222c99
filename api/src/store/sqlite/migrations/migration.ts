/** One numbered, forward-only schema step. Never edit a released migration; add the next number. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run inside the migration's transaction */
  sql: string;
}
