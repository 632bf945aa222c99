import { initial } from './0001-initial.js';
import { recordingsSettled } from './0002-recordings-settled.js';
import { botReach } from './0003-bot-reach.js';
import type { Migration } from './migration.js';

/** In order; the last one's version is the schema version this build expects. */
export const MIGRATIONS: readonly Migration[] = [initial, recordingsSettled, botReach];
