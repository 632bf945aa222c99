import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { sendJson, sendText } from '../emulator/respond.js';
import { Router, type EmulatorRequest } from '../emulator/router.js';
import type { Fixture } from '../fixture/schema.js';
import { controlState } from './control-state.js';
import { Dispatcher, RawResult, toErrorBody, type ServiceTable } from './dispatcher.js';
import { apiError } from './errors.js';
import { inspectionPage } from './inspection-page.js';
import { createPartnerState, findLiveEntry, type PartnerState } from './model.js';
import { optString } from './params.js';
import { readApiRequest } from './request-body.js';
import { captionServices } from './services/captions.js';
import { categoryServices } from './services/categories.js';
import { entryServices } from './services/entries.js';
import { sessionServices } from './services/session.js';
import { uploadTokenServices } from './services/upload-token.js';
import { userServices } from './services/users.js';
import { defaultSettings, Storage, type EmulatorSettings } from './storage.js';

/**
 * Kaltura API v3 as kaltura-client 21.20.0 speaks it (reference/kaltura-api.md §1, §9):
 * `POST /api_v3/service/{service}/action/{action}` (case-insensitive) with a JSON or multipart body,
 * `POST /api_v3/service/multirequest`, every answer HTTP 200 JSON, errors as KalturaAPIException
 * objects. Content goes to files under `dataDir`, streamed, with size and sha256 recorded.
 *
 * Entry lifecycle: media.add → NO_CONTENT (7); addContent with a FULL upload token → PRECONVERT (1),
 * and READY (2) once `readyDelayMs` (default 1000 ms; 0 = at once) has passed, checked whenever the
 * entry is read; a token still uploading puts the entry in IMPORT (0) until its final chunk.
 *
 * Control routes beyond the common ones: `GET /__control/` (an HTML page listing entries),
 * `POST /__control/settings` {readyDelayMs?, finalChunkWaitMs?} (until the next fixture load or reset), and
 * `GET /__control/entries/{id}/content` (the stored bytes).
 */
export function createKalturaEmulator(deps: { dataDir: string } & Partial<EmulatorSettings>): EmulatorBehaviour {
  const initialSettings: EmulatorSettings = {
    readyDelayMs: deps.readyDelayMs ?? defaultSettings.readyDelayMs,
    finalChunkWaitMs: deps.finalChunkWaitMs ?? defaultSettings.finalChunkWaitMs,
  };
  const settings: EmulatorSettings = { ...initialSettings };
  const storage = new Storage(deps.dataDir, settings);
  let state: PartnerState | undefined;
  const current = (): PartnerState => {
    if (!state) throw new Error('the Kaltura emulator has no fixture loaded');
    return state;
  };
  const table: ServiceTable = {
    ...sessionServices,
    ...uploadTokenServices,
    ...entryServices(),
    ...categoryServices,
    ...userServices,
    ...captionServices,
  };
  const dispatcher = new Dispatcher(table, current, storage);

  const handleApi = async (req: EmulatorRequest, res: ServerResponse, multirequest = false): Promise<void> => {
    const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
    const rest = (req.params.rest ?? '').split('/').filter((s) => s !== '');
    const api = await readApiRequest(req, storage.tmpDir, rest);
    try {
      const service = multirequest ? 'multirequest' : (req.params.service ?? optString(api.params, 'service'));
      const action = req.params.action ?? optString(api.params, 'action');
      if (service?.toLowerCase() === 'multirequest') {
        sendKaltura(res, await dispatcher.multi(api.params, api.files, baseUrl));
        return;
      }
      if (!service || !action) {
        sendKaltura(res, apiError(service ? 'ACTION_NOT_SPECIFIED' : 'SERVICE_NOT_SPECIFIED').toBody());
        return;
      }
      const { result, error } = await dispatcher.single({ service, action, params: api.params, files: api.files, baseUrl });
      if (result instanceof RawResult) {
        sendRaw(res, result);
        return;
      }
      // KalturaBaseService::initService adds these on SERVICE_FORBIDDEN
      const headers: Record<string, string> =
        error?.code === 'SERVICE_FORBIDDEN'
          ? { 'X-Kaltura': `error-${error.code}`, 'X-Kaltura-App': `exiting on error ${error.code} - ${error.message}`.replace(/[^\x20-\x7e]/g, '?') }
          : {};
      sendKaltura(res, result, headers);
    } finally {
      await api.discard();
    }
  };

  const single = (req: EmulatorRequest, res: ServerResponse): Promise<void> => handleApi(req, res);
  const multi = (req: EmulatorRequest, res: ServerResponse): Promise<void> => handleApi(req, res, true);
  const routes = new Router(true);
  for (const prefix of ['/api_v3/service', '/api_v3/index.php/service']) {
    routes
      .post(`${prefix}/multirequest`, multi)
      .get(`${prefix}/multirequest`, multi)
      .post(`${prefix}/:service/action/:action`, single)
      .get(`${prefix}/:service/action/:action`, single)
      .post(`${prefix}/:service/action/:action/*rest`, single)
      .get(`${prefix}/:service/action/:action/*rest`, single);
  }
  routes
    .post('/api_v3', single)
    .get('/api_v3', single)
    .post('/api_v3/index.php', single)
    .get('/api_v3/index.php', single)
    // downloadUrl / dataUrl of a READY entry
    .get('/p/:pid/sp/:sp/playManifest/entryId/:entryId/*rest', (req, res) => {
      const e = findLiveEntry(current(), req.params.entryId ?? '');
      if (!e?.content || e.status !== 2) {
        sendText(res, 404, 'Entry not found or not ready');
        return;
      }
      sendFile(res, e.content.path, e.content.size, 'video/mp4');
    })
    .get('/__control', (_req, res) => {
      res.writeHead(302, { location: '/__control/' });
      res.end();
    });

  const controlRoutes = new Router()
    .get('/__control/', (req, res) => {
      sendText(res, 200, inspectionPage(current(), req.query.get('entry') ?? undefined), 'text/html; charset=utf-8');
    })
    .post('/__control/settings', async (req, res) => {
      const body = SettingsBody.parse(await req.json());
      Object.assign(settings, body);
      sendJson(res, 200, settings);
    })
    .get('/__control/settings', (_req, res) => sendJson(res, 200, settings))
    .get('/__control/entries/:entryId/content', (req, res) => {
      const e = current().entries.get(req.params.entryId ?? '');
      if (!e?.content) {
        sendJson(res, 404, { error: 'no content for that entry' });
        return;
      }
      sendFile(res, e.content.path, e.content.size, 'application/octet-stream');
    });

  return {
    name: 'kaltura',
    routes,
    controlRoutes,
    async load(fixture: Fixture) {
      // a fixture load or reset returns everything to its initial state, settings included
      Object.assign(settings, initialSettings);
      await storage.reset();
      state = createPartnerState(fixture.kaltura);
    },
    state: () => controlState(current()),
    internalError(_req, res, err) {
      // the front controller answers any unexpected exception with HTTP 200 and this body
      sendKaltura(res, toErrorBody(err));
    },
    notFound(_req, res) {
      sendText(res, 404, 'Not Found');
    },
  };
}

const SettingsBody = z
  .object({
    readyDelayMs: z.number().int().min(0).optional(),
    finalChunkWaitMs: z.number().int().min(0).optional(),
  })
  .strict();

/** Exactly `Content-Type: application/json` and HTTP 200, errors included, as the PHP server sends. */
function sendKaltura(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body === undefined ? null : body);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-me': 'kaltura-emulator',
    ...headers,
  });
  res.end(text);
}

function sendRaw(res: ServerResponse, raw: RawResult): void {
  if (typeof raw.body === 'function') {
    res.writeHead(200, { 'content-type': raw.contentType, ...(raw.size !== undefined ? { 'content-length': String(raw.size) } : {}) });
    raw.body().pipe(res);
    return;
  }
  const buf = typeof raw.body === 'string' ? Buffer.from(raw.body, 'utf8') : raw.body;
  res.writeHead(200, { 'content-type': raw.contentType, 'content-length': buf.length });
  res.end(buf);
}

function sendFile(res: ServerResponse, path: string, size: number, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': size });
  createReadStream(path)
    .on('error', (err) => res.destroy(err))
    .pipe(res);
}
