import * as protobuf from 'protobufjs';

/**
 * A well-formedness check of protobuf bytes that reads only the wire format: tags, wire types,
 * lengths, and the fields that hold messages (walked into). It materialises nothing, so a 1 MiB
 * tensor of packed doubles costs a length check instead of a full decode (~0.9 ms and 131,072
 * numbers of garbage with protobufjs' `decode`), and a small message well under a microsecond.
 *
 * Rejected: truncated data, a length or a value past the end, wire types 6 and 7, an end-group
 * without its start (or the other way round), field number 0, varints longer than 10 bytes, and
 * messages nested more than MAX_DEPTH deep. A known field sent with another wire type than its
 * declared one is skipped as an unknown field, as Go's protobuf runtime does. Scalars and strings
 * are not interpreted (the engine forwards them as bytes; a conversion to JSON checks them).
 */

/** Nested messages (and groups) deeper than this are refused rather than walked. */
export const MAX_DEPTH = 1000;

/** For one message type: the field numbers whose length-delimited bytes are a message, and its layout. */
interface Layout {
  readonly messages: Map<number, Layout>;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** Builds, once per root, the checker of any of its message types (by full name, e.g. `seldon.protos.SeldonMessage`). */
export function wireChecker(root: protobuf.Root): (typeName: string, bytes: Uint8Array | readonly Uint8Array[]) => void {
  const layouts = new Map<protobuf.Type, Layout>();
  const layoutOf = (type: protobuf.Type): Layout => {
    let layout = layouts.get(type);
    if (layout !== undefined) return layout;
    const messages = new Map<number, Layout>();
    // Registered before its fields: Struct, Value and ListValue refer to each other.
    layout = { messages };
    layouts.set(type, layout);
    for (const field of type.fieldsArray) {
      field.resolve();
      const value = field.resolvedType;
      if (field instanceof protobuf.MapField) {
        // A map entry is a message: 1 = key (a scalar), 2 = value (a message or a scalar).
        const entry = new Map<number, Layout>();
        if (value instanceof protobuf.Type) entry.set(2, layoutOf(value));
        messages.set(field.id, { messages: entry });
      } else if (value instanceof protobuf.Type) {
        messages.set(field.id, layoutOf(value));
      }
    }
    return layout;
  };
  const byName = new Map<string, Layout>();
  return (typeName, bytes) => {
    let layout = byName.get(typeName);
    if (layout === undefined) {
      layout = layoutOf(root.lookupType(typeName));
      byName.set(typeName, layout);
    }
    // One buffer, or one chunk (every small message): read directly, as fast as a Buffer was before chunks.
    const one = !Array.isArray(bytes) ? (bytes as Uint8Array) : bytes.length === 1 ? (bytes[0] as Uint8Array) : undefined;
    const reader = one !== undefined ? new WireReader(one, undefined) : WireReader.ofChunks(bytes as readonly Uint8Array[]);
    reader.walk(reader.length, layout, 0, 0);
  };
}

/**
 * A position in the bytes being checked (one buffer, or the chunks of one message as received), and
 * the walk over their fields. Only varints read bytes (every other field is skipped by its length).
 * Positions count from the start of the message, so errors name the same bytes either way.
 *
 * One class for both forms, reading the current chunk directly: a second reader class made the walk
 * polymorphic and the check of a small message ~30 % slower once both had run. A walk only moves
 * forward, so the chunk under a position is found by moving a cursor forward.
 */
class WireReader {
  pos = 0;
  readonly length: number;
  /** Undefined for one buffer. */
  readonly #chunks: readonly Uint8Array[] | undefined;
  /** The chunk under the cursor, its index, and the positions of its first byte and just past its last. */
  #bytes: Uint8Array;
  #index = 0;
  #base = 0;
  #limit: number;

  constructor(first: Uint8Array, chunks: readonly Uint8Array[] | undefined, length = first.length) {
    this.#bytes = first;
    this.#chunks = chunks;
    this.#limit = first.length;
    this.length = length;
  }

  static ofChunks(chunks: readonly Uint8Array[]): WireReader {
    const first = chunks[0] ?? new Uint8Array(0);
    if (chunks.length <= 1) return new WireReader(first, undefined);
    let length = 0;
    for (const c of chunks) length += c.length;
    return new WireReader(first, chunks, length);
  }

  /**
   * Walks the fields from `pos` to `end` of a message with `layout`, leaving `pos` after them.
   * `group` > 0: the fields of a group with that field number, which end at its end-group tag
   * (`pos` is then just after it).
   */
  walk(end: number, layout: Layout | undefined, depth: number, group: number): void {
    if (depth > MAX_DEPTH) throw new Error(`messages are nested more than ${MAX_DEPTH} deep`);
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.#varint(end);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new Error(`field number 0 at byte ${at}`);
      switch (wire) {
        case WIRE_VARINT:
          this.#varint(end);
          break;
        case WIRE_FIXED64:
          this.pos += 8;
          break;
        case WIRE_FIXED32:
          this.pos += 4;
          break;
        case WIRE_BYTES: {
          const length = this.#varint(end);
          const fieldEnd = this.pos + length;
          if (fieldEnd > end) throw new Error(`the field at byte ${at} is ${length} bytes long, past the end (byte ${end})`);
          const nested = layout?.messages.get(field);
          if (nested !== undefined) this.walk(fieldEnd, nested, depth + 1, 0);
          this.pos = fieldEnd;
          break;
        }
        case WIRE_START_GROUP:
          // Groups (proto2) have no declared layout here: their fields are walked as unknown ones.
          this.walk(end, undefined, depth + 1, field);
          continue;
        case WIRE_END_GROUP:
          if (field !== group) throw new Error(`an end-group tag at byte ${at} has no start`);
          return;
        default:
          throw new Error(`invalid wire type ${wire} at byte ${at}`);
      }
      if (this.pos > end) throw new Error(`the field at byte ${at} runs past the end (byte ${end})`);
    }
    if (group !== 0) throw new Error(`the group of field ${group} has no end-group tag`);
  }

  /** Reads a varint (up to 10 bytes). Above 2^53 it loses precision, which matters only for lengths, and those are then past the end anyway. */
  #varint(end: number): number {
    // One buffer (every small message) reads it directly, as fast as before chunks were supported.
    if (this.#chunks !== undefined) return this.#varintInChunks(end);
    const bytes = this.#bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`a varint is cut off at byte ${this.pos}`);
      const b = bytes[this.pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`a varint at byte ${this.pos - 10} is longer than 10 bytes`);
  }

  /** The same read over chunks (same bytes, same errors). */
  #varintInChunks(end: number): number {
    // Fast path: the varint cannot leave the chunk under the cursor.
    if (this.pos >= this.#limit || (this.pos + 10 > this.#limit && end > this.#limit)) return this.#varintAcross(end);
    const bytes = this.#bytes;
    const base = this.#base;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`a varint is cut off at byte ${this.pos}`);
      const b = bytes[this.pos++ - base] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`a varint at byte ${this.pos - 10} is longer than 10 bytes`);
  }

  /** The same read, a byte at a time, for a varint that may cross chunks (same bytes, same errors). */
  #varintAcross(end: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`a varint is cut off at byte ${this.pos}`);
      const b = this.#byte(this.pos++);
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`a varint at byte ${this.pos - 10} is longer than 10 bytes`);
  }

  /** The byte at `pos`: below `length`, and never before the cursor. */
  #byte(pos: number): number {
    while (pos >= this.#limit) {
      this.#bytes = (this.#chunks as readonly Uint8Array[])[++this.#index] as Uint8Array;
      this.#base = this.#limit;
      this.#limit += this.#bytes.length;
    }
    return this.#bytes[pos - this.#base] as number;
  }
}
