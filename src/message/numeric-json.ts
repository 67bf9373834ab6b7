import type { NumericKind } from './tensor';
import { readJsonNumber, writeShortestNumber, type Cursor } from './number-text';

/**
 * A SeldonMessage with numeric data read straight from its JSON bytes, and written back the same way:
 * AVERAGE_COMBINER's path for large tensors, which would otherwise cost a JSON.parse into thousands of
 * boxed numbers and a JSON.stringify of as many.
 *
 * The reader accepts only the plain, well-formed shape of such a message and answers undefined for
 * anything else (a string among the numbers, a ragged or empty ndarray, a tftensor, a duplicate or
 * escaped key, a BOM, invalid JSON...). The caller then takes the JSON.parse path, whose errors name
 * the problem; so whatever this module accepts, it must read exactly as JSON.parse + readNumericData
 * would, and whatever it writes must be exactly JSON.stringify's text.
 */

/** A SeldonMessage's numbers, with its other parts kept as JSON text. */
export interface RawNumericMessage {
  readonly kind: NumericKind;
  readonly shape: readonly number[];
  /** Row-major values, product(shape) of them. */
  readonly values: Float64Array;
  /** The JSON text of `data.names` (checked to be a list of strings), `meta` and `status`, when present. */
  readonly names: Buffer | undefined;
  readonly meta: Buffer | undefined;
  readonly status: Buffer | undefined;
}

/** Reads a SeldonMessage with `data.tensor` or `data.ndarray` from its JSON bytes; undefined when it cannot. */
export function readNumericMessage(bytes: Buffer): RawNumericMessage | undefined {
  try {
    return new MessageReader(bytes).message();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

/** Thrown (never seen outside this module) when the bytes are not what the fast reader handles. */
const BAIL = { bail: true };

function bail(): never {
  throw BAIL;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;

/** Deeper values than this in the parts the reader skips make it give up (no recursion limit to hit). */
const MAX_DEPTH = 128;

class MessageReader implements Cursor {
  pos = 0;
  readonly #buf: Buffer;
  readonly #len: number;
  /** Numbers read so far (tensor values or ndarray leaves); grown by doubling. */
  #values = new Float64Array(0);
  #count = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
    this.#len = buf.length;
  }

  /** The top level: an object with `data`, and optionally `meta`, `status` and other keys (ignored). */
  message(): RawNumericMessage {
    let data: Omit<RawNumericMessage, 'meta' | 'status'> | undefined;
    let meta: Buffer | undefined;
    let status: Buffer | undefined;
    this.#object((key) => {
      if (key === 'data') {
        if (data !== undefined) bail();
        data = this.#data();
      } else if (key === 'meta') {
        if (meta !== undefined) bail();
        meta = this.#rawValue();
      } else if (key === 'status') {
        if (status !== undefined) bail();
        status = this.#rawValue();
      } else {
        this.#skipValue(0);
      }
    });
    if (this.#skipWhitespace() !== -1) bail(); // only whitespace may follow
    if (data === undefined) return bail();
    return { ...data, meta, status };
  }

  /** `data`: names, and exactly one of tensor and ndarray. */
  #data(): Omit<RawNumericMessage, 'meta' | 'status'> {
    let names: Buffer | undefined;
    let numbers: { kind: NumericKind; shape: number[]; values: Float64Array } | undefined;
    let seenNames = false;
    this.#object((key) => {
      if (key === 'names') {
        if (seenNames) bail();
        seenNames = true;
        names = this.#names();
      } else if (key === 'tensor' || key === 'ndarray') {
        // A second one (or both kinds) is refused by the JSON.parse path, or read differently there.
        if (numbers !== undefined) bail();
        numbers = key === 'tensor' ? this.#tensor() : this.#ndarray();
      } else {
        this.#skipValue(0);
      }
    });
    if (numbers === undefined) return bail();
    return { ...numbers, names };
  }

  /** `data.names`: a list of strings, kept as its JSON text. */
  #names(): Buffer {
    const start = this.pos;
    this.#list(() => {
      if (this.#byte() !== QUOTE) bail();
      this.#skipString();
    });
    return this.#buf.subarray(start, this.pos);
  }

  /** `data.tensor`: `shape` and `values`, in either order; both default to empty lists. */
  #tensor(): { kind: NumericKind; shape: number[]; values: Float64Array } {
    let shape: number[] | undefined;
    let seenValues = false;
    this.#object((key) => {
      if (key === 'shape') {
        if (shape !== undefined) bail();
        shape = this.#shape();
      } else if (key === 'values') {
        if (seenValues) bail();
        seenValues = true;
        // With the shape already read, the values' count is known.
        if (shape !== undefined) this.#reserve(product(shape));
        this.#numbers();
      } else {
        this.#skipValue(0);
      }
    });
    const dims = shape ?? [];
    if (product(dims) !== this.#count) bail();
    return { kind: 'tensor', shape: dims, values: this.#takeValues() };
  }

  /** A tensor shape: non-negative safe integers. */
  #shape(): number[] {
    const shape: number[] = [];
    this.#list(() => {
      const d = this.#number();
      if (!Number.isSafeInteger(d) || d < 0) bail();
      shape.push(d);
    });
    return shape;
  }

  /**
   * `data.ndarray`: nested lists, rectangular, numbers at the bottom. The depth is found along the
   * first elements (as readNumericData does); every list at a depth must have the first one's length.
   * Empty lists are left to the JSON.parse path.
   */
  #ndarray(): { kind: NumericKind; shape: number[]; values: Float64Array } {
    const shape: number[] = [];
    let leafDepth = -1;
    const list = (depth: number): void => {
      if (depth >= MAX_DEPTH) bail();
      if (leafDepth === -1 && this.#firstItem() !== OPEN_BRACKET) leafDepth = depth;
      let count = 0;
      if (depth === leafDepth) {
        count = this.#numbers(); // bails on a list, or anything else that is no number
      } else {
        this.#list(() => {
          if (this.#byte() !== OPEN_BRACKET) bail();
          list(depth + 1);
          count++;
        });
      }
      if (count === 0) bail();
      const want = shape[depth];
      if (want === undefined) shape[depth] = count;
      else if (want !== count) bail();
    };
    if (this.#byte() !== OPEN_BRACKET) bail();
    list(0);
    return { kind: 'ndarray', shape, values: this.#takeValues() };
  }

  /** The first byte of the first item of the list at pos (which stays), or -1. */
  #firstItem(): number {
    let i = this.pos + 1;
    while (i < this.#len && isWhitespace(this.#buf[i] as number)) i++;
    return this.#at(i);
  }

  // ---- Structure

  /** An object at pos, calling `onValue(key)` with pos at each value, which it must consume. */
  #object(onValue: (key: string) => void): void {
    if (this.#skipWhitespace() !== OPEN_BRACE) bail();
    this.pos++;
    let c = this.#skipWhitespace();
    if (c === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    for (;;) {
      if (c !== QUOTE) bail();
      const key = this.#key();
      if (this.#skipWhitespace() !== COLON) bail();
      this.pos++;
      this.#skipWhitespace();
      onValue(key);
      c = this.#skipWhitespace();
      this.pos++;
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) bail();
      c = this.#skipWhitespace();
    }
  }

  /** A list at pos, calling `onItem()` with pos at each item, which it must consume. */
  #list(onItem: () => void): void {
    if (this.#skipWhitespace() !== OPEN_BRACKET) bail();
    this.pos++;
    if (this.#skipWhitespace() === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (;;) {
      onItem();
      const c = this.#skipWhitespace();
      this.pos++;
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) bail();
      this.#skipWhitespace();
    }
  }

  /** An object key: plain characters only (an escape could spell a key we look for). */
  #key(): string {
    const start = ++this.pos;
    for (;;) {
      const c = this.#byte();
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) bail(); // -1 at the end too
      this.pos++;
    }
    // latin1: non-ASCII keys come out mangled, but then they match none of ours, as they should not.
    return this.#buf.toString('latin1', start, this.pos++);
  }

  /** Any JSON value, checked and skipped, returned as its bytes. */
  #rawValue(): Buffer {
    const start = this.pos;
    this.#skipValue(0);
    return this.#buf.subarray(start, this.pos);
  }

  /** Any JSON value at pos, checked (so that JSON.parse would accept the whole) and skipped. */
  #skipValue(depth: number): void {
    if (depth >= MAX_DEPTH) bail();
    const c = this.#byte();
    if (c === QUOTE) this.#skipString();
    else if (c === OPEN_BRACE) this.#object(() => this.#skipValue(depth + 1));
    else if (c === OPEN_BRACKET) this.#list(() => this.#skipValue(depth + 1));
    else if (c === 0x74) this.#literal('true');
    else if (c === 0x66) this.#literal('false');
    else if (c === 0x6e) this.#literal('null');
    else this.#number();
  }

  /** A string at pos, checked (escapes well-formed, no raw control characters) and skipped. */
  #skipString(): void {
    this.pos++;
    for (;;) {
      const c = this.#byte();
      if (c === QUOTE) {
        this.pos++;
        return;
      }
      if (c < 0x20) bail(); // -1 at the end too
      if (c === BACKSLASH) {
        const e = this.#at(this.pos + 1);
        if (e === 0x75) {
          // \uXXXX
          for (let i = 2; i < 6; i++) if (!isHexDigit(this.#at(this.pos + i))) bail();
          this.pos += 6;
          continue;
        }
        if (!SIMPLE_ESCAPES.includes(e)) bail();
        this.pos += 2;
        continue;
      }
      // Bytes >= 0x80 need no check: invalid UTF-8 decodes to U+FFFD, which JSON.parse accepts.
      this.pos++;
    }
  }

  #literal(word: string): void {
    for (let i = 0; i < word.length; i++) if (this.#at(this.pos + i) !== word.charCodeAt(i)) bail();
    this.pos += word.length;
  }

  // ---- Numbers

  #number(): number {
    const c = this.#byte();
    if (c !== MINUS && !(c >= 0x30 && c <= 0x39)) bail();
    const v = readJsonNumber(this.#buf, this);
    if (Number.isNaN(v)) bail();
    return v;
  }

  /**
   * A list of numbers at pos, appended to the values; returns how many. The hot loop of a large
   * tensor, so written out flat rather than through #list.
   */
  #numbers(): number {
    if (this.#skipWhitespace() !== OPEN_BRACKET) bail();
    this.pos++;
    if (this.#skipWhitespace() === CLOSE_BRACKET) {
      this.pos++;
      return 0;
    }
    const buf = this.#buf;
    const start = this.#count;
    for (;;) {
      const v = readJsonNumber(buf, this); // NaN when no number starts here
      if (Number.isNaN(v)) bail();
      if (this.#count === this.#values.length) this.#reserve(Math.max(64, this.#count * 2));
      this.#values[this.#count++] = v;
      let c = this.#byte();
      if (c !== COMMA && c !== CLOSE_BRACKET) c = this.#skipWhitespace();
      this.pos++;
      if (c === CLOSE_BRACKET) return this.#count - start;
      if (c !== COMMA) bail();
      if (isWhitespace(this.#byte())) this.#skipWhitespace();
    }
  }

  /** Makes room for `n` values in all (never more than the bytes left could hold). */
  #reserve(n: number): void {
    const cap = Math.min(n, this.#count + Math.floor((this.#len - this.pos) / 2) + 1);
    if (cap <= this.#values.length) return;
    const grown = new Float64Array(cap);
    grown.set(this.#values.subarray(0, this.#count));
    this.#values = grown;
  }

  #takeValues(): Float64Array {
    return this.#values.subarray(0, this.#count);
  }

  // ---- Bytes

  /** The byte at pos, or -1 past the end. */
  #byte(): number {
    return this.pos < this.#len ? (this.#buf[this.pos] as number) : -1;
  }

  #at(i: number): number {
    return i < this.#len ? (this.#buf[i] as number) : -1;
  }

  /** Skips JSON whitespace; returns the byte then at pos (-1 at the end). */
  #skipWhitespace(): number {
    for (;;) {
      const c = this.#byte();
      if (!isWhitespace(c)) return c;
      this.pos++;
    }
  }
}

/** The characters that may follow a backslash, besides u. */
const SIMPLE_ESCAPES = [QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Bytes per number at most: a sign, 17 digits, a point and "0.00000" or "e-324", plus a comma. */
const MAX_NUMBER_BYTES = 26;

/**
 * The JSON bytes of the SeldonMessage `{data: {names?, tensor: {shape, values}} | {names?, ndarray},
 * meta?, status?}`, exactly as JSON.stringify writes it: names, meta and status are the JSON text of
 * `parts` (re-serialised, so spacing and escapes come out as JSON.stringify's), and every value must
 * be finite. A 0-dimensional ndarray is written as a one-element list.
 */
export function writeNumericMessage(
  kind: NumericKind,
  shape: readonly number[],
  values: Float64Array,
  parts: Pick<RawNumericMessage, 'names' | 'meta' | 'status'>,
): Buffer {
  const names = reserialise(parts.names);
  const meta = reserialise(parts.meta);
  const status = reserialise(parts.status);
  const head = `{"data":{${names === undefined ? '' : `"names":${names},`}`;
  const tail = `}${meta === undefined ? '' : `,"meta":${meta}`}${status === undefined ? '' : `,"status":${status}`}}`;
  // Every list of an ndarray costs two brackets and at most one comma.
  const lists = kind === 'ndarray' ? listCount(shape) : 0;
  const size =
    Buffer.byteLength(head) + Buffer.byteLength(tail) + 64 + MAX_NUMBER_BYTES * (values.length + shape.length) + 3 * lists;
  const buf = Buffer.allocUnsafe(size);
  let pos = buf.write(head, 0, 'utf8');
  if (kind === 'tensor') {
    pos += buf.write('"tensor":{"shape":', pos, 'latin1');
    pos = writeList(shape, 0, shape.length, buf, pos);
    pos += buf.write(',"values":', pos, 'latin1');
    pos = writeList(values, 0, values.length, buf, pos);
    buf[pos++] = CLOSE_BRACE;
  } else {
    pos += buf.write('"ndarray":', pos, 'latin1');
    pos = shape.length === 0 ? writeList(values, 0, values.length, buf, pos) : writeNested(shape, 0, values, 0, buf, pos);
  }
  pos += buf.write(tail, pos, 'utf8');
  return buf.subarray(0, pos);
}

/** JSON.stringify(JSON.parse(text)), or undefined for no text. */
function reserialise(json: Buffer | undefined): string | undefined {
  return json === undefined ? undefined : JSON.stringify(JSON.parse(json.toString('utf8')));
}

/** `[v0,v1,...]` of values[from, to). */
function writeList(values: ArrayLike<number>, from: number, to: number, buf: Buffer, at: number): number {
  let pos = at;
  buf[pos++] = OPEN_BRACKET;
  for (let i = from; i < to; i++) {
    if (i > from) buf[pos++] = COMMA;
    pos = writeShortestNumber(values[i] as number, buf, pos);
  }
  buf[pos++] = CLOSE_BRACKET;
  return pos;
}

/** The nested lists of shape[depth..] holding values from `offset` on, as JSON.stringify writes them. */
function writeNested(shape: readonly number[], depth: number, values: Float64Array, offset: number, buf: Buffer, at: number): number {
  const n = shape[depth] ?? 0;
  if (depth === shape.length - 1) return writeList(values, offset, offset + n, buf, at);
  const stride = product(shape.slice(depth + 1));
  let pos = at;
  buf[pos++] = OPEN_BRACKET;
  for (let i = 0; i < n; i++) {
    if (i > 0) buf[pos++] = COMMA;
    pos = writeNested(shape, depth + 1, values, offset + i * stride, buf, pos);
  }
  buf[pos++] = CLOSE_BRACKET;
  return pos;
}

/** How many lists nested lists of this shape have. */
function listCount(shape: readonly number[]): number {
  let lists = 0;
  let atDepth = 1;
  for (const d of shape) {
    lists += atDepth;
    atDepth *= d;
  }
  return lists;
}
