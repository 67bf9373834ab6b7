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
export function wireChecker(root: protobuf.Root): (typeName: string, bytes: Uint8Array) => void {
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
    new WireReader(bytes).walk(bytes.length, layout, 0, 0);
  };
}

/** A position in the bytes being checked. */
class WireReader {
  readonly #bytes: Uint8Array;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
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
}
