/**
 * Scalar conversions between the proto3 JSON mapping (as golang/protobuf jsonpb and Seldon's
 * Python wrapper speak it) and the values protobufjs reads and writes.
 */

/** A JSON value that does not fit the message; `path` is the JSON path (`data.ndarray`, `meta.routing.r`). */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path === '' ? '(root)' : path}: ${detail}`);
    this.name = 'ShapeError';
  }
}

/** Throws a ShapeError; used by every converter so errors read the same way. */
export function fail(path: string, detail: string): never {
  throw new ShapeError(path, detail);
}

/** Appends an object key to a JSON path. */
export function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Short description of a wrong JSON value for error messages ("a string", "an array", ...). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return `the number ${v}`;
    case 'boolean':
      return `${v}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

/** True for `{...}` values as JSON.parse makes them (not arrays, Buffers, Dates...). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------
// JSON -> protobufjs values. Each returns what protobufjs' generated encoder accepts for the type.

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** proto3 JSON numbers: a JSON number, or a string holding one (plus NaN / Infinity / -Infinity). */
export function doubleIn(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === v && v !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return fail(path, `expected a number, got ${describe(v)}`);
}

/** True unless `n` is finite but rounds to infinity as a float32 (jsonpb's range check). */
export function fitsFloat(n: number): boolean {
  return !Number.isFinite(n) || Number.isFinite(Math.fround(n));
}

/** Like doubleIn, and rejects finite values a float32 cannot hold (jsonpb does too). */
export function floatIn(v: unknown, path: string): number {
  const n = doubleIn(v, path);
  if (!fitsFloat(n)) fail(path, `${n} is out of range for a float`);
  return n;
}

function integerIn(v: unknown, path: string, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() === v && v !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n)) fail(path, `expected ${what}, got ${describe(v)}`);
  return n;
}

/** int32 / sint32 / sfixed32: integer number or string in range. */
export function int32In(v: unknown, path: string): number {
  const n = integerIn(v, path, 'an int32');
  if (n < -2147483648 || n > 2147483647) fail(path, `${n} is out of range for an int32`);
  return n;
}

/** uint32 / fixed32. */
export function uint32In(v: unknown, path: string): number {
  const n = integerIn(v, path, 'a uint32');
  if (n < 0 || n > 4294967295) fail(path, `${n} is out of range for a uint32`);
  return n;
}

/** The low/high halves protobufjs' LongBits.from accepts for values beyond 2^53. */
export interface LongParts {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

/**
 * int64 / uint64 (and the sint/fixed variants): a JSON number or a decimal string. Safe integers
 * stay numbers; larger values become {low, high} so no precision is lost on the way to the wire.
 */
export function int64In(v: unknown, path: string, unsigned: boolean): number | LongParts {
  const what = unsigned ? 'a uint64' : 'an int64';
  let big: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(path, `expected ${what} (number or decimal string), got ${describe(v)}`);
    if (Number.isSafeInteger(v) && (v >= 0 || !unsigned)) return v;
    big = BigInt(v);
  } else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    big = BigInt(v);
  } else {
    return fail(path, `expected ${what} (number or decimal string), got ${describe(v)}`);
  }
  if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > -INT64_MIN - 1n) fail(path, `${v} is out of range for ${what}`);
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  const bits = BigInt.asUintN(64, big);
  return { low: Number(bits & 0xffffffffn), high: Number(bits >> 32n), unsigned };
}

/** bool: only true / false. */
export function boolIn(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

/** string: only JSON strings that UTF-8 can carry. */
export function stringIn(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
  if (!isWellFormed(v)) fail(path, LONE_SURROGATE);
  return v;
}

/** Why a string with a lone surrogate is refused. */
export const LONE_SURROGATE = 'the string has a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text and has no UTF-8 form';

/**
 * False for a string with a lone surrogate: valid JSON ("\ud800"), but protobuf strings are UTF-8,
 * and protobufjs would write it as bytes no decoder accepts (ours included), blaming the child.
 * `String.prototype.isWellFormed` is in Node 20 (V8 11.3), not yet in TypeScript's ES2023 lib.
 */
export function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * bytes: standard or URL-safe base64, padding optional (jsonpb accepts all four). Buffer.from
 * silently skips bad characters, so the decoded length is compared with the expected one: cheap
 * validation without a regex pass over megabytes of text.
 */
export function bytesIn(v: unknown, path: string): Buffer {
  if (typeof v !== 'string') fail(path, `expected a base64 string, got ${describe(v)}`);
  let end = v.length;
  while (end > 0 && v.charCodeAt(end - 1) === 61 /* = */) end--;
  const out = Buffer.from(v, 'base64');
  if (v.length - end > 2 || end % 4 === 1 || out.length !== Math.floor((end * 3) / 4)) fail(path, 'expected a base64 string, got invalid base64');
  return out;
}

/** Enums: the value name, or its number (proto3 enums are open, so any int32 is kept). */
export function enumIn(values: Readonly<Record<string, number>>, enumName: string): (v: unknown, path: string) => number {
  return (v, path) => {
    if (typeof v === 'string') {
      const n = Object.prototype.hasOwnProperty.call(values, v) ? values[v] : undefined;
      if (n === undefined) fail(path, `"${v}" is not a value of enum ${enumName}`);
      return n;
    }
    if (typeof v === 'number') return int32In(v, path);
    return fail(path, `expected an ${enumName} name or number, got ${describe(v)}`);
  };
}

// ---------------------------------------------------------------------------------------------
// protobufjs values -> JSON.

/** Non-finite doubles print as the strings proto3 JSON defines; finite ones stay numbers. */
export function doubleOut(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** Powers of ten that are exact doubles (10^0 .. 10^22). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * float32 values arrive widened to float64 (0.1f reads as 0.10000000149011612); jsonpb and the
 * Python wrapper print the shortest decimal that reads back as the same float32 ("0.1"). The
 * nearest p-digit decimal is that shortest form as soon as it round-trips through Math.fround
 * (for normal floats 6 digits are exact whenever fewer would do; float32 never needs more than 9).
 * Scaling by an exact power of ten finds the nearest p-digit decimal ~20x faster than
 * toPrecision; near a rounding tie, or outside the exact powers, toPrecision decides.
 */
export function floatOut(x: number): number | string {
  if (!Number.isFinite(x)) return doubleOut(x);
  if (Number.isInteger(x) && x <= 16777216 && x >= -16777216) return x;
  const abs = Math.abs(x);
  if (abs < 1.1754943508222875e-38) return floatOutSlow(x); // subnormal: fewer digits than 6 may be exact
  let e = Math.floor(Math.log10(abs));
  const pe = e >= 0 ? POW10[e] : undefined;
  if (pe !== undefined && pe > abs) e--; // log10 can be off by one next to powers of ten
  else if (pe !== undefined && (POW10[e + 1] ?? Infinity) <= abs) e++;
  for (let p = 6; p <= 9; p++) {
    const k = p - 1 - e;
    const scale = POW10[k < 0 ? -k : k];
    if (scale === undefined) break;
    const scaled = k >= 0 ? x * scale : x / scale;
    const r = Math.round(scaled);
    if (Math.abs(scaled - r) > 0.4999) break;
    const c = k >= 0 ? r / scale : r * scale;
    if (Math.fround(c) === x) return c;
  }
  return floatOutSlow(x);
}

/** Reference implementation of floatOut (also used by the tests to check the fast one). */
export function floatOutSlow(x: number): number | string {
  if (!Number.isFinite(x)) return doubleOut(x);
  for (let p = 1; p < 9; p++) {
    const c = Number(x.toPrecision(p));
    if (Math.fround(c) === x) return c;
  }
  return Number(x.toPrecision(9));
}

/** int64 values print as decimal strings (protobufjs gives a Long, or a number without long.js). */
export function int64Out(v: unknown): string {
  return String(v);
}

/** bytes print as standard base64 with padding (jsonpb's StdEncoding). */
export function bytesOut(v: unknown): string {
  const u8 = v as Uint8Array;
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64');
}
