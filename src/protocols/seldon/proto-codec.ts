/**
 * Seldon messages between their JSON form (what REST clients and children send) and protobuf binary
 * (what gRPC children speak), for the point where a REST request meets a gRPC child or back.
 *
 * Built on protobufjs Type.encode/decode with converters compiled once per message type; never the
 * toObject/fromObject path (performance.md 3.4: ~10x slower on large tensors). JSON follows the
 * proto3 mapping as Seldon's Go executor (jsonpb) prints and parses it; see protos/README.md for the
 * two deliberate extensions (Any with an unloaded type, URL-safe base64).
 */
import { isAbsolute, join } from 'node:path';
import * as protobuf from 'protobufjs';
import { EngineError, engineError } from '../../errors';
import { InvalidJsonValue, findInvalidJson, installJsonStructCodecs } from './json-struct';
import { JsonToProto, type FromJson } from './json-to-proto';
import { ProtoToJson } from './proto-to-json';
import { SELDON_MESSAGE_TYPES, type SeldonMessageType } from './message-types';
import { ShapeError } from './scalars';

export { SELDON_MESSAGE_TYPES, type SeldonMessageType } from './message-types';

/** Converts Seldon messages between Seldon JSON values and protobuf binary. */
export interface SeldonCodec {
  /**
   * The loaded protobufjs Root (seldon.protos plus the tensorflow and google.protobuf types it
   * imports), unmodified: use it for gRPC service definitions (`root.lookupService('seldon.protos.Model')`).
   */
  readonly root: protobuf.Root;
  /**
   * Seldon JSON value (as clients send it over REST, already JSON.parse'd) -> protobuf binary.
   * Throws EngineError('BAD_REQUEST_JSON') with a message naming the JSON path when the JSON does
   * not fit the message (unknown field, wrong type, two members of one oneof, bad base64...).
   */
  toProto(type: SeldonMessageType, json: unknown): Buffer;
  /**
   * protobuf binary -> Seldon JSON value (ready for JSON.stringify). Throws
   * EngineError('BAD_REQUEST_PROTOBUF') on malformed bytes.
   */
  toJson(type: SeldonMessageType, bytes: Uint8Array): unknown;
}

interface Entry {
  readonly type: protobuf.Type;
  readonly fromJson: FromJson;
  readonly toJson: (v: unknown) => unknown;
}

/** Loads protos/seldon/prediction.proto with `protoDir` as the include path. */
function loadRoot(protoDir: string): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are written relative to the include dir ("tensorflow/core/framework/tensor.proto");
  // google/protobuf/* come from protobufjs' bundled copies before this is consulted.
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(protoDir, target));
  root.loadSync('seldon/prediction.proto');
  root.resolveAll();
  return root;
}

/** Maps an Any type URL ("type.googleapis.com/seldon.protos.Tensor") to a message type of `root`. */
function anyResolver(root: protobuf.Root): (typeUrl: string) => protobuf.Type | undefined {
  const cache = new Map<string, protobuf.Type | undefined>();
  return (typeUrl) => {
    if (cache.has(typeUrl)) return cache.get(typeUrl);
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const found = name === '' ? null : root.lookup(`.${name}`);
    const type = found instanceof protobuf.Type ? found : undefined;
    if (cache.size < 1000) cache.set(typeUrl, type); // URLs come from clients: bound the cache
    return type;
  };
}

function badJson(type: SeldonMessageType, path: string, detail: string): EngineError {
  return engineError('BAD_REQUEST_JSON', `invalid ${type} JSON${path === '' ? '' : ` at ${path}`}: ${detail}`);
}

/**
 * Loads the Seldon protos from `protoDir` (the repo's protos/ folder) and compiles the converters.
 * Call once at startup; the returned codec is stateless and safe to share. Throws a plain Error if
 * the proto files are missing or do not parse.
 */
export function loadSeldonCodec(protoDir: string): SeldonCodec {
  const root = loadRoot(protoDir);
  // A second, private Root carries the JSON-native Value/ListValue/Struct codecs, so that users of
  // `root` (gRPC definitions, fromObject/toObject) keep protobufjs' standard behaviour.
  const internal = loadRoot(protoDir);
  installJsonStructCodecs(internal);
  const resolveAny = anyResolver(internal);
  const fromJson = new JsonToProto(resolveAny);
  const toJson = new ProtoToJson(resolveAny);
  const entries = new Map<SeldonMessageType, Entry>();
  for (const name of SELDON_MESSAGE_TYPES) {
    const type = internal.lookupType(`seldon.protos.${name}`);
    entries.set(name, { type, fromJson: fromJson.message(type), toJson: toJson.message(type) });
  }
  const entryOf = (name: SeldonMessageType): Entry => {
    const entry = entries.get(name);
    if (entry === undefined) throw engineError('INTERNAL', `proto-codec: unknown Seldon message type ${String(name)}`);
    return entry;
  };

  return {
    root,
    toProto(name, json) {
      const entry = entryOf(name);
      try {
        const message = entry.fromJson(json, '') as Record<string, unknown>;
        const bytes = entry.type.encode(message).finish();
        return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (err) {
        if (err instanceof ShapeError) throw badJson(name, err.path, err.detail);
        if (err instanceof InvalidJsonValue) {
          const { json: value, path } = err.holder;
          const found = findInvalidJson(value, path);
          throw badJson(name, found.path, found.detail === '' ? 'nested too deeply' : found.detail);
        }
        // Stack overflow or protobufjs' depth limit: only absurdly nested JSON (Any in Any in ...) gets here.
        if (err instanceof RangeError || (err instanceof Error && err.message === 'max depth exceeded')) throw badJson(name, '', 'nested too deeply');
        throw err;
      }
    },
    toJson(name, bytes) {
      const entry = entryOf(name);
      try {
        return entry.toJson(entry.type.decode(bytes));
      } catch (err) {
        if (err instanceof EngineError) throw err;
        const detail = err instanceof Error ? err.message : String(err);
        throw engineError('BAD_REQUEST_PROTOBUF', `malformed ${name} protobuf: ${detail}`, { cause: err });
      }
    },
  };
}
