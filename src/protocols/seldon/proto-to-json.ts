/**
 * Decoded protobufjs messages -> Seldon JSON (proto3 JSON mapping as jsonpb prints it): lowerCamel
 * names, defaults omitted, enums as names, int64 as strings, bytes as base64, fields in .proto order.
 * One walker per message type, built once from the reflected Root.
 */
import * as protobuf from 'protobufjs';
import { DecodedValue } from './json-struct';
import { SPECIAL_JSON_TYPES, anyFieldNames, type AnyFieldNames } from './json-to-proto';
import { bytesOut, doubleOut, floatOut, int64Out } from './scalars';

/** Converts one protobufjs value to JSON; undefined means "unchanged". */
type ToJson = ((v: unknown) => unknown) | undefined;

interface OutField {
  readonly name: string;
  readonly kind: 'single' | 'repeated' | 'map';
  readonly convert: ToJson;
}

const hasOwn = Object.prototype.hasOwnProperty;

function scalarOut(type: string): ToJson {
  switch (type) {
    case 'double':
      return (v) => doubleOut(v as number);
    case 'float':
      return (v) => floatOut(v as number);
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return int64Out;
    case 'bytes':
      return bytesOut;
    default:
      return undefined; // int32 family, bool, string: already JSON
  }
}

function repeatedOut(element: ToJson, type: string): ToJson {
  if (element === undefined) return undefined;
  if (type === 'double') {
    // Decoded double lists are fresh arrays: hand them out as they are unless one is NaN/Infinity.
    return (v) => {
      const a = v as number[];
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return a.map(doubleOut);
      return a;
    };
  }
  return (v) => (v as unknown[]).map(element);
}

function mapOut(value: ToJson): ToJson {
  if (value === undefined) return undefined;
  return (v) => {
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src)) {
      const x = value(src[key]);
      if (key === '__proto__') Object.defineProperty(out, key, { value: x, enumerable: true, writable: true, configurable: true });
      else out[key] = x;
    }
    return out;
  };
}

/** Builds and caches the walkers of one Root (the codec's private Root, with JSON-native Value/ListValue/Struct). */
export class ProtoToJson {
  private readonly messages = new Map<protobuf.Type, (v: unknown) => unknown>();

  /** @param resolveAny maps an Any's "@type" URL to a loaded message type (undefined: not loaded). */
  constructor(private readonly resolveAny: (typeUrl: string) => protobuf.Type | undefined) {}

  /** Walker for a decoded message of `type` (an object of its fields). */
  message(type: protobuf.Type): (v: unknown) => unknown {
    const cached = this.messages.get(type);
    if (cached !== undefined) return cached;
    const fields: OutField[] = [];
    const walk = (v: unknown): unknown => {
      const m = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        // Decoders set own properties only for fields on the wire with a non-default value (or
        // any value, for oneof members and messages); repeated/map fields start as own empties.
        if (!hasOwn.call(m, f.name)) continue;
        const x = m[f.name];
        if (f.kind === 'repeated' ? (x as unknown[]).length === 0 : f.kind === 'map' ? Object.keys(x as object).length === 0 : x === undefined) continue;
        out[f.name] = f.convert === undefined ? x : f.convert(x);
      }
      return out;
    };
    // Cache before compiling fields so recursive types terminate.
    this.messages.set(type, walk);
    // Declaration order, as Go's jsonpb prints struct fields (TensorProto declares half_val = 13
    // before float_val = 5).
    for (const field of type.fieldsArray) {
      field.resolve();
      const kind = field instanceof protobuf.MapField ? 'map' : field.repeated ? 'repeated' : 'single';
      fields.push({ name: field.name, kind, convert: this.fieldOut(field, kind) });
    }
    return walk;
  }

  /** Walker for a message-typed value: WKTs in their special forms (Value & co. are JSON already). */
  messageValue(type: protobuf.Type): ToJson {
    switch (type.fullName) {
      case '.google.protobuf.Value':
        // Not a DecodedValue: a map entry without a value, which protobufjs fills with an empty
        // message; an unset Value prints as null.
        return (v) => (v instanceof DecodedValue ? v.json : null);
      case '.google.protobuf.ListValue':
      case '.google.protobuf.Struct':
        return undefined;
      case '.google.protobuf.Any': {
        const names = anyFieldNames(type);
        return (v) => this.anyOut(v as Record<string, unknown>, names);
      }
      default:
        return this.message(type);
    }
  }

  private fieldOut(field: protobuf.Field, kind: OutField['kind']): ToJson {
    const rt = field.resolvedType;
    let single: ToJson;
    if (rt instanceof protobuf.Type) single = this.messageValue(rt);
    else if (rt instanceof protobuf.Enum) {
      const names = rt.valuesById;
      single = (v) => names[v as number] ?? v; // unknown numbers of an open enum stay numbers
    } else single = scalarOut(field.type);
    return kind === 'map' ? mapOut(single) : kind === 'repeated' ? repeatedOut(single, field.type) : single;
  }

  /** Mirror of JsonToProto's Any handling; unloaded types come out as {"@type", "value": base64}. */
  private anyOut(m: Record<string, unknown>, names: AnyFieldNames): unknown {
    const rawUrl = m[names.url];
    const rawBytes = m[names.value];
    const url = typeof rawUrl === 'string' ? rawUrl : '';
    const bytes = rawBytes instanceof Uint8Array ? rawBytes : new Uint8Array(0);
    if (url === '' && bytes.length === 0) return {};
    const type = this.resolveAny(url);
    if (type === undefined) return { '@type': url, value: bytesOut(bytes) };
    const decoded = type.decode(bytes);
    if (SPECIAL_JSON_TYPES.has(type.fullName)) {
      const inner = this.messageValue(type);
      return { '@type': url, value: inner === undefined ? decoded : inner(decoded) };
    }
    return { '@type': url, ...(this.message(type)(decoded) as Record<string, unknown>) };
  }
}
