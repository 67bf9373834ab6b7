/**
 * google.protobuf.Value / ListValue / Struct straight from and to plain JSON.
 *
 * protobufjs represents a Value as {numberValue: 1} / {listValue: {values: [...]}}, so a 1 MB
 * `data.ndarray` would become hundreds of thousands of wrapper objects each way. Instead the
 * codec's private Root gets its own encode/decode for these three types: generated parent codecs
 * call `types[i].encode(...)` / `types[i].decode(...)` on the Type object, so replacing the
 * methods there makes nested arrays go to the wire (and back) without intermediate objects.
 * Only the codec's private Root is changed; the Root the codec exposes stays stock.
 */
import * as protobuf from 'protobufjs';
import { isWellFormed, LONE_SURROGATE } from './scalars';

/**
 * What the JSON -> proto converter stores for a Value / ListValue / Struct field: the JSON itself,
 * plus its path so that a bad element found while writing can be reported precisely.
 */
export class JsonHolder {
  constructor(
    readonly json: unknown,
    readonly path: string,
  ) {}
}

/**
 * What the Value decoder returns: the JSON in a box. Generated map decoders replace a falsy decoded
 * value with an empty message (`v || new ctor`), which would turn tags {"x": 0} into {"x": {}};
 * the box is never falsy. ListValue and Struct decode to arrays / objects, which never are.
 */
export class DecodedValue {
  constructor(readonly json: unknown) {}
}

/** Thrown while writing when a holder contains something that is not JSON (or nests too deep). */
export class InvalidJsonValue extends Error {
  constructor(readonly holder: JsonHolder) {
    super('invalid JSON value');
  }
}

/** Same limit protobufjs and protoc use for nested messages. */
const DEPTH_LIMIT = protobuf.util.recursionLimit;

// Wire tags: Value {null_value=1 varint, number_value=2 fixed64, string_value=3, bool_value=4,
// struct_value=5, list_value=6}; ListValue {values=1}; Struct {fields=1 map entry {key=1, value=2}}.
const T_NULL = 8, T_NUMBER = 17, T_STRING = 26, T_BOOL = 32, T_STRUCT = 42, T_LIST = 50, T_ITEM = 10, T_VALUE = 18;

// Thrown through the recursive writers and turned into InvalidJsonValue at the hook, which knows
// the holder (and so the JSON path). A preallocated sentinel: no stack is captured while unwinding.
class Invalid {}
const INVALID = new Invalid();

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Writes the fields of a Value message for `v` (the caller has written the length prefix). */
function writeValue(v: unknown, w: protobuf.Writer, depth: number): void {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw INVALID;
      w.uint32(T_NUMBER).double(v);
      return;
    case 'string':
      if (!isWellFormed(v)) throw INVALID;
      w.uint32(T_STRING).string(v);
      return;
    case 'boolean':
      w.uint32(T_BOOL).bool(v);
      return;
    case 'object':
      if (v === null) w.uint32(T_NULL).uint32(0);
      else if (Array.isArray(v)) writeList(v, w.uint32(T_LIST).fork(), depth + 1).ldelim();
      else if (isPlain(v)) writeStruct(v as Record<string, unknown>, w.uint32(T_STRUCT).fork(), depth + 1).ldelim();
      else throw INVALID;
      return;
    default:
      throw INVALID;
  }
}

function writeList(items: readonly unknown[], w: protobuf.Writer, depth: number): protobuf.Writer {
  if (depth > DEPTH_LIMIT) throw INVALID;
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    // Numbers dominate ndarrays: a Value holding a double is always 9 bytes, no fork needed.
    if (typeof v === 'number' && Number.isFinite(v)) w.uint32(T_ITEM).uint32(9).uint32(T_NUMBER).double(v);
    else {
      writeValue(v, w.uint32(T_ITEM).fork(), depth + 1);
      w.ldelim();
    }
  }
  return w;
}

function writeStruct(obj: Record<string, unknown>, w: protobuf.Writer, depth: number): protobuf.Writer {
  if (depth > DEPTH_LIMIT) throw INVALID;
  for (const key of Object.keys(obj)) {
    if (!isWellFormed(key)) throw INVALID;
    w.uint32(T_ITEM).fork().uint32(T_ITEM).string(key);
    writeValue(obj[key], w.uint32(T_VALUE).fork(), depth + 1);
    w.ldelim().ldelim();
  }
  return w;
}

/** Sets a key on a decoded object without `__proto__` turning into a prototype change. */
function setKey(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

/** Runs `body` with the reader limited to the next `len` bytes, as generated decoders do. */
function within<T>(r: protobuf.Reader, len: number, body: (end: number) => T): T {
  const end = r.pos + len;
  if (end > r.len) throw RangeError('index out of range');
  const outer = r.len;
  r.len = end;
  const out = body(end);
  if (r.pos !== end) throw RangeError('index out of range');
  r.len = outer;
  return out;
}

function readValue(r: protobuf.Reader, end: number, depth: number): unknown {
  if (depth > DEPTH_LIMIT) throw Error('max depth exceeded');
  let out: unknown = null; // a Value with no kind set reads as null
  while (r.pos < end) {
    const t = r.tag();
    if (t === T_NUMBER) out = r.double();
    else if (t === T_STRING) out = r.string();
    else if (t === T_BOOL) out = r.bool();
    else if (t === T_NULL) {
      r.int32(); // NullValue has a single member
      out = null;
    } else if (t === T_LIST) out = within(r, r.size(), (e) => readList(r, e, depth + 1));
    else if (t === T_STRUCT) out = within(r, r.size(), (e) => readStruct(r, e, depth + 1));
    else r.skipType(t & 7, depth, t >>> 3);
  }
  return out;
}

function readList(r: protobuf.Reader, end: number, depth: number): unknown[] {
  if (depth > DEPTH_LIMIT) throw Error('max depth exceeded');
  const out: unknown[] = [];
  while (r.pos < end) {
    const t = r.tag();
    if (t !== T_ITEM) {
      r.skipType(t & 7, depth, t >>> 3);
      continue;
    }
    const len = r.size();
    // Fast path mirroring writeList: a 9-byte Value that is exactly one double.
    if (len === 9 && r.buf[r.pos] === T_NUMBER && r.pos + 9 <= r.len) {
      r.pos++;
      out.push(r.double());
    } else out.push(within(r, len, (e) => readValue(r, e, depth + 1)));
  }
  return out;
}

function readStruct(r: protobuf.Reader, end: number, depth: number): Record<string, unknown> {
  if (depth > DEPTH_LIMIT) throw Error('max depth exceeded');
  const out: Record<string, unknown> = {};
  while (r.pos < end) {
    const t = r.tag();
    if (t !== T_ITEM) {
      r.skipType(t & 7, depth, t >>> 3);
      continue;
    }
    within(r, r.size(), (entryEnd) => {
      let key = '';
      let value: unknown = null;
      while (r.pos < entryEnd) {
        const et = r.tag();
        if (et === T_ITEM) key = r.string();
        else if (et === T_VALUE) value = within(r, r.size(), (e) => readValue(r, e, depth + 1));
        else r.skipType(et & 7, depth, et >>> 3);
      }
      setKey(out, key, value);
    });
  }
  return out;
}

type EncodeHook = (m: unknown, w?: protobuf.Writer, q?: number) => protobuf.Writer;
type DecodeHook = (r: protobuf.Reader | Uint8Array, l?: number, z?: number, q?: number) => unknown;

function encodeHook(write: (json: unknown, w: protobuf.Writer, depth: number) => void): EncodeHook {
  return (m, w, q) => {
    const writer = w ?? protobuf.Writer.create();
    const holder = m instanceof JsonHolder ? m : new JsonHolder(m, '');
    try {
      write(holder.json, writer, q ?? 0);
    } catch (err) {
      if (err instanceof Invalid) throw new InvalidJsonValue(holder);
      throw err;
    }
    return writer;
  };
}

function decodeHook(read: (r: protobuf.Reader, end: number, depth: number) => unknown): DecodeHook {
  return (r, l, _z, q) => {
    const reader = r instanceof protobuf.Reader ? r : protobuf.Reader.create(r);
    return l === undefined ? read(reader, reader.len, q ?? 0) : within(reader, l, (end) => read(reader, end, q ?? 0));
  };
}

function expect(kind: 'array' | 'object', json: unknown): void {
  const ok = kind === 'array' ? Array.isArray(json) : typeof json === 'object' && json !== null && !Array.isArray(json) && isPlain(json);
  if (!ok) throw INVALID;
}

/**
 * Replaces the codecs of google.protobuf.Value / ListValue / Struct in `root` (call after
 * resolveAll). Afterwards those types encode a JsonHolder (or a bare JSON value) and decode to plain
 * JSON: Value -> DecodedValue{json}, ListValue -> array, Struct -> object.
 */
export function installJsonStructCodecs(root: protobuf.Root): void {
  const hooks: ReadonlyArray<[string, EncodeHook, DecodeHook]> = [
    ['google.protobuf.Value', encodeHook(writeValue), decodeHook((r, end, depth) => new DecodedValue(readValue(r, end, depth)))],
    [
      'google.protobuf.ListValue',
      encodeHook((json, w, d) => (expect('array', json), writeList(json as unknown[], w, d))),
      decodeHook(readList),
    ],
    [
      'google.protobuf.Struct',
      encodeHook((json, w, d) => (expect('object', json), writeStruct(json as Record<string, unknown>, w, d))),
      decodeHook(readStruct),
    ],
  ];
  for (const [name, encode, decode] of hooks) {
    const type = root.lookupType(name);
    // setup() installs the generated codecs as own properties; ours must come after, or the lazy
    // setup on first use would overwrite them.
    type.setup();
    type.encode = encode as unknown as protobuf.Type['encode'];
    type.decode = decode as unknown as protobuf.Type['decode'];
  }
}

/**
 * Finds where a holder stops being JSON, for the error message (only runs after a write failed).
 * Returns the JSON path of the first offending element and what is wrong with it ('' detail: none
 * found, i.e. the write failed on nesting depth).
 */
export function findInvalidJson(json: unknown, path: string, depth = 0): { path: string; detail: string } {
  if (depth > DEPTH_LIMIT / 2) return { path, detail: `nested deeper than ${DEPTH_LIMIT / 2} levels` };
  switch (typeof json) {
    case 'string':
      return { path, detail: isWellFormed(json) ? '' : LONE_SURROGATE };
    case 'boolean':
      return { path, detail: '' };
    case 'number':
      return { path, detail: Number.isFinite(json) ? '' : `${json} is not a JSON number` };
    case 'object': {
      if (json === null) return { path, detail: '' };
      if (!Array.isArray(json) && !isPlain(json)) return { path, detail: 'not a plain JSON object' };
      if (!Array.isArray(json)) {
        const badKey = Object.keys(json).find((k) => !isWellFormed(k));
        if (badKey !== undefined) return { path: path === '' ? badKey : `${path}.${badKey}`, detail: `key: ${LONE_SURROGATE}` };
      }
      const entries: Array<[string, unknown]> = Array.isArray(json) ? json.map((v, i) => [`${path}[${i}]`, v]) : Object.entries(json).map(([k, v]) => [path === '' ? k : `${path}.${k}`, v]);
      for (const [p, v] of entries) {
        const found = findInvalidJson(v, p, depth + 1);
        if (found.detail !== '') return found;
      }
      return { path, detail: '' };
    }
    default:
      return { path, detail: `${typeof json} is not a JSON value` };
  }
}
