import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnectorEmulator } from './connector/connector-emulator.js';
import { startEmulator, type RunningEmulator } from './emulator/emulator-server.js';
import { createEntraEmulator } from './entra/entra-emulator.js';
import { createTokenKeys, type TokenKeys } from './entra/token-keys.js';
import type { Fixture } from './fixture/schema.js';
import { createGraphEmulator } from './graph/graph-emulator.js';
import { createKalturaEmulator } from './kaltura/kaltura-emulator.js';
import { ensureSandboxTls, type SandboxTls } from './tls/sandbox-ca.js';

export interface Emulators {
  entra: RunningEmulator;
  graph: RunningEmulator;
  kaltura: RunningEmulator;
  /** the pre-authenticated download origin Graph redirects recording content to, when told to */
  graphDownloads: RunningEmulator;
  connector: RunningEmulator;
  tls: SandboxTls;
  keys: TokenKeys;
  close(): Promise<void>;
}

export interface EmulatorPorts {
  entra?: number;
  graph?: number;
  kaltura?: number;
  connector?: number;
}

/**
 * Starts the four emulators on loopback: Entra ID and Graph over HTTPS (msal-node insists; Graph
 * with a second origin for redirected downloads), Kaltura and the Bot Connector over HTTP, all sharing
 * one fixture and one token-signing key.
 */
export async function startEmulators(fixture: Fixture, dataDir: string, ports: EmulatorPorts = {}): Promise<Emulators> {
  await mkdir(dataDir, { recursive: true });
  const tls = await ensureSandboxTls(dataDir);
  const keys = await createTokenKeys();
  const https = { cert: tls.serverCertPem, key: tls.serverKeyPem };
  const started: RunningEmulator[] = [];
  try {
    const entra = await startEmulator(createEntraEmulator({ keys }), fixture, { tls: https, port: ports.entra });
    started.push(entra);
    const graphBehaviour = createGraphEmulator({ keys });
    const graph = await startEmulator(graphBehaviour, fixture, { tls: https, port: ports.graph });
    started.push(graph);
    // a second origin for redirected recording content (off unless the Graph setting contentRedirect is on)
    const graphDownloads = await startEmulator(graphBehaviour.downloadHost, fixture, { tls: https });
    started.push(graphDownloads);
    graphBehaviour.setDownloadBase(graphDownloads.url);
    const kaltura = await startEmulator(createKalturaEmulator({ dataDir: join(dataDir, 'kaltura') }), fixture, {
      port: ports.kaltura,
    });
    started.push(kaltura);
    const connectorBehaviour = createConnectorEmulator({ keys });
    const connector = await startEmulator(connectorBehaviour, fixture, { port: ports.connector });
    started.push(connector);
    connectorBehaviour.setOrigin(connector.url);
    // a proactive install through Graph is what makes Teams open the chat and tell the bot
    graphBehaviour.onAppInstalled((userId) => connectorBehaviour.install(userId).then(() => undefined));
    connectorBehaviour.onInstallationChanged((userId, installed) => void graphBehaviour.setAppInstalled(userId, installed));
    return {
      entra,
      graph,
      kaltura,
      connector,
      graphDownloads,
      tls,
      keys,
      close: async () => {
        await Promise.all(started.map((e) => e.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((e) => e.close()));
    throw err;
  }
}
