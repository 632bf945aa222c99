import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { Router } from '../emulator/router.js';


// PLACEHOLDER: replaced by the real emulator.
export function createKalturaEmulator(_deps: { dataDir: string }): EmulatorBehaviour {
  return { name: 'kaltura', routes: new Router(), load() {}, state: () => ({}) };
}
