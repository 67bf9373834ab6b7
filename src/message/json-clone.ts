/**
 * A deep copy of a parsed JSON value (plain objects, arrays, strings, numbers, booleans, null), as
 * JSON.parse or a protobuf codec's toJson produce them. ~10x cheaper than structuredClone for the
 * small `meta` objects a combiner copies on every request (0.05 against 0.5 µs for `{}`), which
 * handles every structured type and so pays for a serialiser round trip. Nesting deeper than the
 * stack throws RangeError, as structuredClone does.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i] as unknown);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copy = cloneJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own property; assigning it would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out as T;
}
