/**
 * What adapters persist for the records that hold secrets. Adapters store these rows as they are
 * (secrets already sealed); `integrations.ts` and `subscriptions.ts` seal, open and shape them, once for
 * both adapters.
 */
import type { JsonObject } from './json.js';
import type { IntegrationHealth } from './model.js';

export interface IntegrationRecord {
  id: string;
  name: string;
  tenantId: string;
  appClientId: string;
  /** secret-box envelope */
  appClientSecret: string;
  kaltura: {
    partnerId: number;
    serviceUrl: string;
    appTokenId: string | null;
    /** secret-box envelope */
    appToken: string | null;
    /** secret-box envelope */
    adminSecret: string | null;
  };
  settings: JsonObject;
  enabled: boolean;
  health: IntegrationHealth;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface IntegrationTable {
  insert(record: IntegrationRecord): Promise<void>;
  get(id: string): Promise<IntegrationRecord | null>;
  /** oldest first */
  list(): Promise<IntegrationRecord[]>;
  /**
   * Writes every field except `health` if the stored version is `expectedVersion`.
   * @returns false if the record is missing or its version differs
   */
  replace(record: IntegrationRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Writes `health` (whose rev is expectedRev + 1) if the stored health's rev is `expectedRev` (a
   * stored health without rev counts as 0).
   * @returns false if the record is missing or its health's rev differs
   */
  setHealth(id: string, health: IntegrationHealth, expectedRev: number, updatedAt: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

export interface SubscriptionRecord {
  id: string;
  integrationId: string;
  resource: string;
  changeType: string;
  expiresAt: number;
  /** secret-box envelope */
  clientState: string;
  createdAt: number;
  updatedAt: number;
}

export interface SubscriptionTable {
  /** insert, or replace all but `createdAt`; returns the stored row */
  upsert(record: SubscriptionRecord): Promise<SubscriptionRecord>;
  get(id: string): Promise<SubscriptionRecord | null>;
  listByIntegration(integrationId: string): Promise<SubscriptionRecord[]>;
  /** soonest first */
  listExpiringBefore(time: number): Promise<SubscriptionRecord[]>;
  delete(id: string): Promise<boolean>;
}
