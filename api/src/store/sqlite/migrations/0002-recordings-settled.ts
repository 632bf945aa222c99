import type { Migration } from './migration.js';

/**
 * When each recording became archived or failed, as a column, for the console's daily chart and
 * "last archived". Rows from before it was kept count as settled at their last update.
 */
export const recordingsSettled: Migration = {
  version: 2,
  name: 'recordings settled_at',
  sql: `
ALTER TABLE recordings ADD COLUMN settled_at INTEGER;
UPDATE recordings SET settled_at = json_extract(record, '$.updatedAt') WHERE state IN ('archived', 'failed');
CREATE INDEX recordings_integration_settled ON recordings (integration_id, state, settled_at);
`,
};
