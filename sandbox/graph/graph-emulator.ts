import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { Router } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';

// PLACEHOLDER: replaced by the real emulator.
export function createGraphEmulator(_deps: { keys: TokenKeys }): EmulatorBehaviour {
  return { name: 'graph', routes: new Router(), load() {}, state: () => ({}) };
}
