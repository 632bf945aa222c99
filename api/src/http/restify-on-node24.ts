import { createRequire } from 'node:module';

/**
 * restify 11 loads spdy at start, whose http-deceiver reads `process.binding('http_parser')` once,
 * for the parser's constants. Node 24 no longer has that binding, so `import 'restify'` throws there.
 * We never serve spdy; what http-deceiver reads is the same parser Node's own `_http_common` exports,
 * so this gives it that and restify loads on Node 24 as on Node 20. Import it before restify. It goes
 * away with restify 12 (which drops spdy but needs Node 22+) once Node 20 is no longer supported.
 */
const require = createRequire(import.meta.url);
// deprecated and left out of @types/node, but still what http-deceiver calls
const legacy = process as unknown as { binding(name: string): unknown };
const binding = legacy.binding.bind(process);

try {
  binding('http_parser');
} catch {
  const common = require('_http_common') as { HTTPParser: unknown; methods: string[] };
  legacy.binding = (name: string) => (name === 'http_parser' ? { HTTPParser: common.HTTPParser, methods: common.methods } : binding(name));
}
