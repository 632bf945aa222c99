import type { IncomingMessage, ServerResponse } from 'node:http';

export interface EmulatorRequest {
  method: string;
  /** the decoded path, without the query */
  path: string;
  url: URL;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  raw: IncomingMessage;
  /** the whole body; for small requests only (media routes read `raw` as a stream) */
  body(): Promise<Buffer>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

export type Handler = (req: EmulatorRequest, res: ServerResponse) => unknown | Promise<unknown>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Path patterns: `/:name` captures one segment, `/*rest` captures the remainder. Matching is
 * case-insensitive when asked (Kaltura lowercases service and action names) and runs on the raw path
 * so encoded ids (Graph's base64 ids with `=`) survive; captured values are percent-decoded.
 */
export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly caseInsensitive = false) {}

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          names.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg.startsWith('*')) {
          names.push(seg.slice(1));
          return '(.*)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({
      method: method.toUpperCase(),
      regex: new RegExp(`^${source}/?$`, this.caseInsensitive ? 'i' : ''),
      names,
      handler,
    });
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  patch(p: string, h: Handler): this {
    return this.add('PATCH', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  /** Returns the handler and the captured params, `'method'` when only the method differs, or undefined. */
  match(method: string, rawPath: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(rawPath);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase() && !(route.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
