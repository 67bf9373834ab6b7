/**
 * Seldon JSON -> the plain objects protobufjs' generated encoders take. One converter per message
 * type, built once from the reflected Root; each checks the JSON shape as it goes and reports the
 * JSON path of the first thing that does not fit (unknown field, wrong type, two oneof members).
 */
import * as protobuf from 'protobufjs';
import { JsonHolder } from './json-struct';
import {
  boolIn,
  bytesIn,
  child,
  describe,
  doubleIn,
  enumIn,
  fail,
  fitsFloat,
  floatIn,
  int32In,
  int64In,
  isPlainObject,
  isWellFormed,
  LONE_SURROGATE,
  stringIn,
  uint32In,
} from './scalars';

/** Converts one JSON value at `path` to its protobufjs form (throws ShapeError). */
export type FromJson = (json: unknown, path: string) => unknown;

/** Well-known types whose JSON form is not an object of their fields (inside Any they sit under "value"). */
export const SPECIAL_JSON_TYPES: ReadonlySet<string> = new Set(['.google.protobuf.Value', '.google.protobuf.ListValue', '.google.protobuf.Struct', '.google.protobuf.Any']);

/** Property names of google.protobuf.Any's type_url (1) and value (2): protobufjs' bundled copy keeps snake_case. */
export interface AnyFieldNames {
  readonly url: string;
  readonly value: string;
}

/** Reads AnyFieldNames from the reflected Any type. */
export function anyFieldNames(any: protobuf.Type): AnyFieldNames {
  const url = any.fieldsById[1]?.name;
  const value = any.fieldsById[2]?.name;
  if (url === undefined || value === undefined) throw new Error('proto-codec: google.protobuf.Any lacks type_url/value');
  return { url, value };
}

interface InField {
  readonly name: string;
  readonly oneof: string | undefined;
  /** JSON null sets the field (Value fields: null is NullValue); otherwise null means "unset". */
  readonly keepsNull: boolean;
  readonly convert: FromJson;
}

function scalarIn(type: string, path: string): FromJson {
  switch (type) {
    case 'double':
      return doubleIn;
    case 'float':
      return floatIn;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return int32In;
    case 'uint32':
    case 'fixed32':
      return uint32In;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (v, p) => int64In(v, p, false);
    case 'uint64':
    case 'fixed64':
      return (v, p) => int64In(v, p, true);
    case 'bool':
      return boolIn;
    case 'string':
      return stringIn;
    case 'bytes':
      return bytesIn;
    default:
      throw new Error(`proto-codec: unsupported scalar type ${type} (${path})`);
  }
}

/** Element checks for lists whose JSON values are already what protobufjs writes. */
const PASS_THROUGH: Readonly<Record<string, (x: unknown) => boolean>> = {
  double: (x) => typeof x === 'number',
  float: (x) => typeof x === 'number' && fitsFloat(x),
  int32: (x) => typeof x === 'number' && (x | 0) === x,
  uint32: (x) => typeof x === 'number' && x >>> 0 === x,
  int64: Number.isSafeInteger,
  uint64: (x) => Number.isSafeInteger(x) && (x as number) >= 0,
  bool: (x) => typeof x === 'boolean',
  string: (x) => typeof x === 'string' && isWellFormed(x),
};

/** Checks a whole array with one element converter; keeps the array itself when nothing changes. */
function repeatedIn(element: FromJson, type: string): FromJson {
  // Numeric lists are the big ones (tensor.values, tftensor.*_val): validate in place, no copy.
  const numeric = PASS_THROUGH[type];
  return (v, path) => {
    if (!Array.isArray(v)) return fail(path, `expected an array, got ${describe(v)}`);
    if (numeric !== undefined) {
      let i = 0;
      while (i < v.length && numeric(v[i])) i++;
      if (i === v.length) return v;
    }
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null) fail(`${path}[${i}]`, 'null is not allowed in a list');
      out[i] = element(x, `${path}[${i}]`);
    }
    return out;
  };
}

function mapIn(value: FromJson, keepsNull: boolean): FromJson {
  return (v, path) => {
    if (!isPlainObject(v)) return fail(path, `expected an object, got ${describe(v)}`);
    // Null prototype: a "__proto__" key stays an ordinary key.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      const x = v[key];
      if (!isWellFormed(key)) fail(child(path, key), `map key: ${LONE_SURROGATE}`);
      if (x === null && !keepsNull) fail(child(path, key), 'null is not allowed as a map value');
      out[key] = value(x, child(path, key));
    }
    return out;
  };
}

/** Builds and caches the converters of one Root. */
export class JsonToProto {
  private readonly messages = new Map<protobuf.Type, FromJson>();

  /** @param resolveAny maps an Any's "@type" URL to a loaded message type (undefined: not loaded). */
  constructor(private readonly resolveAny: (typeUrl: string) => protobuf.Type | undefined) {}

  /** Converter for a message type given as an object of its fields (never a WKT special form). */
  message(type: protobuf.Type): FromJson {
    const cached = this.messages.get(type);
    if (cached !== undefined) return cached;
    const byKey = new Map<string, InField>();
    const convert: FromJson = (json, path) => {
      if (!isPlainObject(json)) return fail(path, `expected an object, got ${describe(json)}`);
      const out: Record<string, unknown> = {};
      let oneofs: Map<string, string> | undefined;
      for (const key of Object.keys(json)) {
        const f = byKey.get(key);
        const p = child(path, key);
        if (f === undefined) return fail(p, `unknown field "${key}" in ${type.name}`);
        const v = json[key];
        // null means "not set" (jsonpb); undefined too, as JSON.stringify would drop it.
        if (v === undefined || (v === null && !f.keepsNull)) continue;
        if (out[f.name] !== undefined) fail(p, `field ${f.name} is set twice`);
        if (f.oneof !== undefined) {
          oneofs ??= new Map();
          const other = oneofs.get(f.oneof);
          if (other !== undefined) fail(p, `"${other}" and "${key}" are both set, but only one member of oneof ${f.oneof} may be`);
          oneofs.set(f.oneof, key);
        }
        out[f.name] = f.convert(v, p);
      }
      return out;
    };
    // Cache before compiling fields so recursive types (SeldonMessage <-> Feedback) terminate.
    this.messages.set(type, convert);
    for (const field of type.fieldsArray) {
      field.resolve();
      const f: InField = { name: field.name, oneof: field.partOf?.name, keepsNull: this.isValue(field) && !field.repeated && !field.map, convert: this.fieldIn(field) };
      for (const key of [field.name, field.jsonName, field.protoName]) if (typeof key === 'string') byKey.set(key, f);
    }
    return convert;
  }

  /**
   * Converter for a value of a message type as it appears in a field (or under an Any's "value"):
   * the WKTs take their special JSON forms, other messages are objects of fields.
   */
  messageValue(type: protobuf.Type): FromJson {
    switch (type.fullName) {
      case '.google.protobuf.Value':
        return (v, path) => new JsonHolder(v, path);
      case '.google.protobuf.ListValue':
        return (v, path) => (Array.isArray(v) ? new JsonHolder(v, path) : fail(path, `expected an array, got ${describe(v)}`));
      case '.google.protobuf.Struct':
        return (v, path) => (isPlainObject(v) ? new JsonHolder(v, path) : fail(path, `expected an object, got ${describe(v)}`));
      case '.google.protobuf.Any': {
        const names = anyFieldNames(type);
        return (v, path) => this.anyIn(v, path, names);
      }
      default:
        return this.message(type);
    }
  }

  private isValue(field: protobuf.Field): boolean {
    return field.resolvedType instanceof protobuf.Type && field.resolvedType.fullName === '.google.protobuf.Value';
  }

  private fieldIn(field: protobuf.Field): FromJson {
    const rt = field.resolvedType;
    const single: FromJson =
      rt instanceof protobuf.Type ? this.messageValue(rt)
      : rt instanceof protobuf.Enum ? enumIn(rt.values, rt.name)
      : scalarIn(field.type, field.fullName);
    if (field instanceof protobuf.MapField) {
      if (field.keyType !== 'string') throw new Error(`proto-codec: map keys of type ${field.keyType} are not supported (${field.fullName})`);
      return mapIn(single, this.isValue(field));
    }
    return field.repeated ? repeatedIn(single, field.type) : single;
  }

  /**
   * google.protobuf.Any: {"@type": url, ...fields of that type} when the type is loaded (WKTs with a
   * special form under "value"), else {"@type": url, "value": base64 of the message bytes}, our
   * documented fallback, so unknown payloads pass through instead of failing.
   */
  private anyIn(v: unknown, path: string, names: AnyFieldNames): unknown {
    if (!isPlainObject(v)) return fail(path, `expected an object, got ${describe(v)}`);
    const url = v['@type'];
    if (url === undefined) return Object.keys(v).length === 0 ? {} : fail(path, 'an Any needs "@type"');
    if (typeof url !== 'string') return fail(child(path, '@type'), `expected a string, got ${describe(url)}`);
    const type = this.resolveAny(url);
    const special = type === undefined || SPECIAL_JSON_TYPES.has(type.fullName);
    if (special) {
      for (const key of Object.keys(v)) if (key !== '@type' && key !== 'value') fail(child(path, key), type === undefined ? `unknown field "${key}": type "${url}" is not loaded, so only "value" (base64) may accompany "@type"` : `unknown field "${key}" in an Any holding ${type.name}`);
    }
    if (type === undefined) return { [names.url]: url, [names.value]: v.value === undefined || v.value === null ? Buffer.alloc(0) : bytesIn(v.value, child(path, 'value')) };
    let inner: unknown;
    if (special) inner = v.value === undefined ? fail(path, `an Any holding ${type.name} needs "value"`) : this.messageValue(type)(v.value, child(path, 'value'));
    else {
      const fields: Record<string, unknown> = { ...v };
      delete fields['@type'];
      inner = this.message(type)(fields, path);
    }
    return { [names.url]: url, [names.value]: type.encode(inner as Record<string, unknown>).finish() };
  }
}
