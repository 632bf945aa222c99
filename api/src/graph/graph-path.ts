import { GraphError } from './graph-errors.js';

/**
 * One id as a Graph URL path segment. Percent-encoding alone does not make every id safe: "." and
 * ".." (and their %2E spellings) are dot-segments that URL parsers fold away, so an id `..` would
 * address the parent resource instead; such ids are refused. `'`, `(`, `)` are encoded too, as
 * encodeURIComponent leaves them and OData gives them meaning.
 */
export function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new GraphError('GRAPH_ID_INVALID', `"${id}" cannot be used as a Graph id`);
  return encodeURIComponent(id).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An OData string literal for a function parameter: quotes doubled, then encoded. */
export function odataString(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}'`;
}
