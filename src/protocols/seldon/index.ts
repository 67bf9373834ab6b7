import { engineError } from '../../errors';
import type { ProtoCodec, SeldonMessageType } from '../../message/payload';
import { loadSeldonCodec, type SeldonCodec } from './proto-codec';

/** The codec plus a cheap well-formedness check of protobuf bytes (decode only, no JSON conversion). */
export interface SeldonCodecWithCheck extends SeldonCodec, ProtoCodec {
  /** Throws when `bytes` is not a well-formed message of `type`. */
  check(type: SeldonMessageType, bytes: Uint8Array): void;
}

/**
 * Loads the seldon protocol's protos once at startup: the JSON <-> protobuf codec used where a
 * payload crosses transports, and `check`, used where the engine receives protobuf bytes it will
 * otherwise only forward (requests from gRPC callers, answers from gRPC children).
 */
export function loadSeldonProtocol(protoDir: string): SeldonCodecWithCheck {
  const codec = loadSeldonCodec(protoDir);
  const types = new Map<string, { decode(bytes: Uint8Array): unknown }>();
  const typeOf = (name: SeldonMessageType): { decode(bytes: Uint8Array): unknown } => {
    let type = types.get(name);
    if (type === undefined) {
      type = codec.root.lookupType(`seldon.protos.${name}`);
      types.set(name, type);
    }
    return type;
  };
  return {
    root: codec.root,
    toProto: (type, json) => codec.toProto(type, json),
    toJson: (type, bytes) => codec.toJson(type, bytes),
    check: (type, bytes) => {
      try {
        typeOf(type).decode(bytes);
      } catch (err) {
        throw engineError('BAD_REQUEST_JSON', `malformed ${type}: ${(err as Error).message}`);
      }
    },
  };
}

export { SELDON_MESSAGE_TYPES, type SeldonCodec } from './proto-codec';
