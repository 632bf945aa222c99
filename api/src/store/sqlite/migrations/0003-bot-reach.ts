import type { Migration } from './migration.js';

/**
 * For the bot: a conversation reference can be marked gone (the user uninstalled the app, or Teams
 * refused a send) without losing it, and the users the bot has seen are kept with whether they were
 * an admin, to know whom to alert. References saved before this are all reachable: 'active'.
 */
export const botReach: Migration = {
  version: 3,
  name: 'conversation status; admin sightings',
  sql: `
ALTER TABLE conversation_refs ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'gone'));
ALTER TABLE conversation_refs ADD COLUMN gone_reason TEXT;

CREATE TABLE admin_sightings (
  tenant_id TEXT NOT NULL,
  user_id   TEXT NOT NULL,
  name      TEXT,
  is_admin  INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
  seen_at   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
) STRICT;
-- listAdmins: one tenant's admins
CREATE INDEX admin_sightings_admins ON admin_sightings (tenant_id, is_admin);
`,
};
