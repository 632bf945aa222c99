/**
 * `${{VAR}}` placeholders, resolved the way the Teams Toolkit resolves them (fx-core
 * `expandEnvironmentVariable`): an empty value leaves the placeholder unresolved, except
 * APP_NAME_SUFFIX, which may be empty. Values come from the process environment first, then
 * from the env file. Unlike the Toolkit, substitution happens inside the parsed JSON's strings,
 * so a value holding a quote cannot break the manifest's JSON.
 */

export const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Variables the Toolkit substitutes even when empty. */
const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);

/** Parses a dotenv file: KEY=value lines, # comments, optional `export `, quoted values. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    let value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    else value = value.replace(/\s+#.*$/, '');
    out.set(m[1]!, value);
  }
  return out;
}

/** Every placeholder name in the text, once each, in order of appearance. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

export interface ValueSources {
  /** the env file's values and its path as shown to people, e.g. env/.env.dev */
  file: { path: string; values: ReadonlyMap<string, string> };
  /** overrides the file, as the Toolkit lets it (process.env) */
  environment: Readonly<Record<string, string | undefined>>;
}

export interface Unresolved {
  name: string;
  /** JSON pointers of the strings that use it */
  at: string[];
  /** why: the env file does not declare it, or declares it empty */
  reason: 'undeclared' | 'empty';
}

export interface Resolution<T> {
  value: T;
  /** name → where its value came from */
  used: Map<string, 'environment' | 'file'>;
  unresolved: Unresolved[];
}

function lookup(name: string, src: ValueSources): { value: string; from: 'environment' | 'file' } | undefined {
  const fromEnv = src.environment[name];
  const fromFile = src.file.values.get(name);
  const counts = (v: string | undefined): v is string => v !== undefined && (v !== '' || MAY_BE_EMPTY.has(name));
  if (counts(fromEnv)) return { value: fromEnv, from: 'environment' };
  if (counts(fromFile)) return { value: fromFile, from: 'file' };
  return undefined;
}

/** Resolves placeholders in every string of a JSON value; unresolved ones stay as they were and are listed. */
export function resolvePlaceholders<T>(json: T, src: ValueSources): Resolution<T> {
  const used = new Map<string, 'environment' | 'file'>();
  const missing = new Map<string, Unresolved>();
  const walk = (node: unknown, pointer: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (whole, name: string) => {
        const hit = lookup(name, src);
        if (hit) {
          used.set(name, hit.from);
          return hit.value;
        }
        const entry = missing.get(name) ?? { name, at: [], reason: src.file.values.has(name) ? 'empty' : 'undeclared' };
        if (!entry.at.includes(pointer)) entry.at.push(pointer);
        missing.set(name, entry);
        return whole;
      });
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, `${pointer}/${i}`));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)]));
    }
    return node;
  };
  const value = walk(json, '') as T;
  return { value, used, unresolved: [...missing.values()] };
}

/** One line per unresolved placeholder, naming the variable, the env file and what to do. */
export function describeUnresolved(u: Unresolved, filePath: string, manifestPath: string): string {
  const where = `${manifestPath} ${u.at.join(', ')}`;
  return u.reason === 'undeclared'
    ? `\${{${u.name}}} (${where}) is unresolved: ${filePath} does not declare ${u.name} and the environment does not set it`
    : `\${{${u.name}}} (${where}) is unresolved: ${u.name} is empty in ${filePath} and not set in the environment (provision writes it, or run with ${u.name}=… in the environment)`;
}
