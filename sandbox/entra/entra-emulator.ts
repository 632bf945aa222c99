import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { Router } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';

// PLACEHOLDER: replaced by the real emulator.
export function createEntraEmulator(_deps: { keys: TokenKeys }): EmulatorBehaviour {
  return { name: 'entra', routes: new Router(), load() {}, state: () => ({}) };
}
