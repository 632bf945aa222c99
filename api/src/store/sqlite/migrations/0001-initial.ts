import type { Migration } from './migration.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE integrations (
  id          TEXT PRIMARY KEY,
  record      TEXT NOT NULL,     -- IntegrationRecord JSON without health; secrets are envelopes
  health      TEXT NOT NULL,     -- kept apart so pipeline health reports never clobber admin edits
  version     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL,
  integration_id   TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL UNIQUE,
  state            TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  attempts         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  not_before       INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  stalled_count    INTEGER NOT NULL,
  payload          TEXT NOT NULL,
  progress         TEXT NOT NULL,
  last_error       TEXT,
  result           TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  completed_at     INTEGER,
  rev              INTEGER NOT NULL
) STRICT;
-- the claim path: next due job of one integration, in claim order
CREATE INDEX jobs_claim ON jobs (state, integration_id, priority DESC, not_before, created_at, id);
-- stalled-lease recovery
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
-- admin listings, newest first
CREATE INDEX jobs_newest ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_integration_newest ON jobs (integration_id, created_at DESC, id DESC);
CREATE INDEX jobs_state_newest ON jobs (state, created_at DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE queue_pauses (
  integration_id TEXT PRIMARY KEY,
  reason         TEXT NOT NULL,
  paused_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE graph_subscriptions (
  id             TEXT PRIMARY KEY,
  integration_id TEXT NOT NULL,
  resource       TEXT NOT NULL,
  change_type    TEXT NOT NULL,
  expires_at     INTEGER NOT NULL,
  client_state   TEXT NOT NULL,  -- envelope
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX graph_subscriptions_integration ON graph_subscriptions (integration_id);
CREATE INDEX graph_subscriptions_expiry ON graph_subscriptions (expires_at);

CREATE TABLE sync_cursors (
  integration_id TEXT NOT NULL,
  name           TEXT NOT NULL,
  value          TEXT NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (integration_id, name)
) STRICT;

CREATE TABLE conversation_refs (
  tenant_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  reference  TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
) STRICT;

CREATE TABLE recordings (
  key            TEXT PRIMARY KEY,   -- compositeKey(integrationId, recordingId)
  integration_id TEXT NOT NULL,
  state          TEXT NOT NULL,
  record         TEXT NOT NULL,
  created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX recordings_newest ON recordings (created_at DESC, key DESC);
CREATE INDEX recordings_integration_newest ON recordings (integration_id, created_at DESC, key DESC);
CREATE INDEX recordings_state_newest ON recordings (state, created_at DESC, key DESC);
CREATE INDEX recordings_integration_state_newest ON recordings (integration_id, state, created_at DESC, key DESC);

CREATE TABLE audit_log (
  id             TEXT PRIMARY KEY,
  at             INTEGER NOT NULL,
  integration_id TEXT,
  entry          TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_integration_newest ON audit_log (integration_id, at DESC, id DESC);
`,
};
