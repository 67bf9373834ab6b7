import { ConfigError } from './flags';

/**
 * Deepest nesting a graph document may have: a chain of ~1,000 nodes (a node and its `children`
 * list are two levels). The engine walks graphs recursively at load, and a deeper document (or a
 * YAML alias that contains itself, which is infinitely deep) would end in a stack overflow.
 */
export const MAX_DOCUMENT_DEPTH = 2_000;

/**
 * Checks that a parsed document is plain JSON data (objects, arrays, strings, numbers, booleans,
 * null) within MAX_DOCUMENT_DEPTH, so everything after it can walk it safely. YAML can produce
 * more: a recursive alias makes a cycle, and tags such as !!binary, !!set or !!timestamp make
 * byte arrays, sets or dates. Throws ConfigError naming `where` and the path.
 */
export function checkPlainData(value: unknown, where: string): void {
  // Objects already checked whole: a YAML alias may share one object in many places.
  const done = new WeakSet<object>();
  const visit = (v: unknown, path: string, depth: number): void => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') throw notData(where, path, typeof v);
      // YAML's .inf and .nan: numbers JSON has no way to write.
      if (typeof v === 'number' && !Number.isFinite(v)) throw notData(where, path, String(v));
      return;
    }
    if (done.has(v)) return;
    if (depth >= MAX_DOCUMENT_DEPTH) {
      throw new ConfigError(`${where} is nested more than ${MAX_DOCUMENT_DEPTH} levels deep at ${shorten(path)} (a graph at most ~1,000 nodes deep), or holds a YAML alias that contains itself`);
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw notData(where, path, (v as object).constructor?.name ?? 'object');
      for (const [k, x] of Object.entries(v)) visit(x, path === '' ? k : `${path}.${k}`, depth + 1);
    }
    done.add(v);
  };
  visit(value, '', 0);
}

function notData(where: string, path: string, kind: string): ConfigError {
  return new ConfigError(`${where} has a value that is not JSON data at ${shorten(path)} (${kind}): YAML tags such as !!binary, !!set or !!timestamp, and .inf or .nan, are not supported`);
}

/** A path short enough for one error line: its start and its end. */
function shorten(path: string): string {
  if (path === '') return '(root)';
  return path.length <= 120 ? path : `${path.slice(0, 60)} … ${path.slice(-50)}`;
}
