import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FixtureError, parseFixture } from '../fixture/load-fixture.js';
import type { Fixture } from '../fixture/schema.js';
import { FaultSpec, FaultTable } from './faults.js';
import { sendEmpty, sendJson } from './respond.js';
import { Router, type EmulatorRequest } from './router.js';

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  query: string;
  status: number;
  /** set when an injected fault answered */
  fault?: number;
}

export interface EmulatorBehaviour {
  /** a short name for logs and errors: "entra", "graph", "kaltura", "connector" */
  name: string;
  /** the emulator's own routes; everything outside `/__control/` */
  routes: Router;
  /** routes under `/__control/` beyond the common ones (fixture, reset, faults, requests, state) */
  controlRoutes?: Router;
  /** replaces all state with the fixture's initial state */
  load(fixture: Fixture): void | Promise<void>;
  /** the whole state as JSON, for `GET /__control/state` */
  state(): unknown;
  /** what a thrown, unexpected error looks like on this service's wire */
  internalError?(req: EmulatorRequest, res: ServerResponse, err: Error): void;
  /** what an unknown route looks like on this service's wire */
  notFound?(req: EmulatorRequest, res: ServerResponse): void;
  close?(): void | Promise<void>;
}

export interface EmulatorOptions {
  tls?: { cert: string; key: string };
  /** 0 picks a free port */
  port?: number;
  host?: string;
}

export interface RunningEmulator {
  name: string;
  url: string;
  port: number;
  faults: FaultTable;
  requests: RequestLogEntry[];
  fixture(): Fixture;
  loadFixture(fixture: Fixture): Promise<void>;
  close(): Promise<void>;
}

const MAX_LOG = 10_000;
const MAX_SMALL_BODY = 10 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
}

/**
 * One loopback HTTP(S) server per emulator. It owns what every emulator shares: fault injection, the
 * request log, and the control API for fixtures and state. The behaviour supplies the service itself.
 */
export async function startEmulator(
  behaviour: EmulatorBehaviour,
  fixture: Fixture,
  options: EmulatorOptions = {},
): Promise<RunningEmulator> {
  const faults = new FaultTable();
  const requests: RequestLogEntry[] = [];
  let current = fixture;
  await behaviour.load(fixture);

  const control = new Router()
    .get('/__control/state', (_req, res) => sendJson(res, 200, behaviour.state()))
    .post('/__control/fixture', async (req, res) => {
      const next = parseFixture(await req.json(), 'the posted fixture');
      current = next;
      faults.clear();
      requests.length = 0;
      await behaviour.load(next);
      sendJson(res, 200, { loaded: true });
    })
    .get('/__control/fixture', (_req, res) => sendJson(res, 200, current))
    .post('/__control/reset', async (_req, res) => {
      faults.clear();
      requests.length = 0;
      await behaviour.load(current);
      sendJson(res, 200, { reset: true });
    })
    .post('/__control/faults', async (req, res) => {
      const body = await req.json();
      const specs = z.array(FaultSpec).parse(Array.isArray(body) ? body : [body]);
      for (const s of specs) if (s.pathPattern) new RegExp(s.pathPattern);
      const ids = specs.map((s) => faults.add(s));
      sendJson(res, 201, { ids });
    })
    .get('/__control/faults', (_req, res) => sendJson(res, 200, faults.list()))
    .delete('/__control/faults', (_req, res) => {
      faults.clear();
      sendEmpty(res, 204);
    })
    .get('/__control/requests', (_req, res) => sendJson(res, 200, requests))
    .delete('/__control/requests', (_req, res) => {
      requests.length = 0;
      sendEmpty(res, 204);
    });

  const handle = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(raw.url ?? '/', 'http://emulator');
    const rawPath = url.pathname;
    const method = (raw.method ?? 'GET').toUpperCase();
    const req = toEmulatorRequest(raw, url, method);
    const isControl = rawPath.startsWith('/__control/');

    if (!isControl) {
      const entry: RequestLogEntry = { at: new Date().toISOString(), method, path: rawPath, query: url.search, status: 0 };
      requests.push(entry);
      if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
      res.on('finish', () => {
        entry.status = res.statusCode;
      });
      const fault = faults.take(method, rawPath);
      if (fault) {
        entry.fault = fault.id;
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.resetConnection) {
          raw.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          raw.resume();
          const body =
            fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
          const headers: Record<string, string> = { ...fault.headers };
          if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['content-type'] = typeof fault.body === 'string' ? 'text/plain' : 'application/json';
          }
          res.writeHead(fault.status, headers);
          res.end(body);
          return;
        }
      }
    }

    const routes = isControl ? [control, behaviour.controlRoutes] : [behaviour.routes];
    let methodOnly = false;
    for (const router of routes) {
      if (!router) continue;
      const m = router.match(method, rawPath);
      if (m === 'method') methodOnly = true;
      if (!m || m === 'method') continue;
      req.params = m.params;
      await m.handler(req, res);
      return;
    }
    if (isControl || !behaviour.notFound) {
      sendJson(res, methodOnly ? 405 : 404, { error: methodOnly ? 'method not allowed' : 'not found', path: rawPath });
      return;
    }
    behaviour.notFound(req, res);
  };

  const listener = (raw: IncomingMessage, res: ServerResponse): void => {
    handle(raw, res).catch((err: Error) => {
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      const isControl = (raw.url ?? '').startsWith('/__control/');
      if (isControl || !behaviour.internalError) {
        const status = err instanceof z.ZodError || err instanceof FixtureError || err instanceof SyntaxError ? 400 : 500;
        const message = err instanceof z.ZodError ? z.prettifyError(err) : err.message;
        sendJson(res, err instanceof BodyTooLargeError ? 413 : status, { error: message });
        return;
      }
      const url = new URL(raw.url ?? '/', 'http://emulator');
      behaviour.internalError(toEmulatorRequest(raw, url, raw.method ?? 'GET'), res, err);
    });
  };

  const server: Server = options.tls ? createHttpsServer({ ...options.tls }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}`;

  return {
    name: behaviour.name,
    url,
    port,
    faults,
    requests,
    fixture: () => current,
    loadFixture: async (f) => {
      current = f;
      await behaviour.load(f);
    },
    close: async () => {
      await behaviour.close?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function toEmulatorRequest(raw: IncomingMessage, url: URL, method: string): EmulatorRequest {
  let cached: Promise<Buffer> | undefined;
  const body = (): Promise<Buffer> => {
    cached ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      raw.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_SMALL_BODY) {
          reject(new BodyTooLargeError(`request body over ${MAX_SMALL_BODY} bytes`));
          raw.destroy();
          return;
        }
        chunks.push(c);
      });
      raw.on('end', () => resolve(Buffer.concat(chunks)));
      raw.on('error', reject);
    });
    return cached;
  };
  return {
    method,
    path: safeDecode(url.pathname),
    url,
    query: url.searchParams,
    headers: raw.headers,
    params: {},
    raw,
    body,
    text: async () => (await body()).toString('utf8'),
    json: async <T>() => {
      const text = (await body()).toString('utf8');
      return (text ? JSON.parse(text) : {}) as T;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
