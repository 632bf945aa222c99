export * from './errors.js';
export type * from './json.js';
export * from './model.js';
export { openStore } from './open-store.js';
export type * from './store.js';
