import { accessSync } from 'node:fs';
import { join } from 'node:path';
import { engineError } from '../../errors';
import type { ProtoCodec, SeldonMessageType } from '../../message/payload';
import type * as ProtoCodecModule from './proto-codec';
import type { SeldonCodec } from './proto-codec';
import type * as WireCheckModule from './wire-check';

/** The codec plus a cheap well-formedness check of protobuf bytes (the wire format only, see wire-check.ts). */
export interface SeldonCodecWithCheck extends SeldonCodec, ProtoCodec {
  /** Throws BAD_REQUEST_PROTOBUF when `bytes` (one buffer, or the chunks of one message) is not a well-formed message of `type`. */
  check(type: SeldonMessageType, bytes: Uint8Array | readonly Uint8Array[]): void;
}

/**
 * Loads the seldon protocol's protos once: the JSON <-> protobuf codec used where a payload crosses
 * transports, and `check`, used where the engine receives protobuf bytes it will otherwise only
 * forward (requests from gRPC callers, answers from gRPC children).
 */
export function loadSeldonProtocol(protoDir: string): SeldonCodecWithCheck {
  // Plain requires, so protobufjs loads with the first codec (see seldonProtocolOnDemand).
  const { loadSeldonCodec } = require('./proto-codec') as typeof ProtoCodecModule;
  const { wireChecker } = require('./wire-check') as typeof WireCheckModule;
  const codec = loadSeldonCodec(protoDir);
  const checkWire = wireChecker(codec.root);
  return {
    root: codec.root,
    toProto: (type, json) => codec.toProto(type, json),
    toJson: (type, bytes) => codec.toJson(type, bytes),
    check: (type, bytes) => {
      try {
        checkWire(`seldon.protos.${type}`, bytes);
      } catch (err) {
        throw engineError('BAD_REQUEST_PROTOBUF', `malformed ${type}: ${(err as Error).message}`);
      }
    },
  };
}

/**
 * The same codec, loaded at its first use: an engine whose callers and children all speak REST
 * never converts a message, and protobufjs with the parsed protos and compiled converters cost
 * ~2 MB of RSS (idle VmRSS 67.6 -> 65.6 MB on the bench's G1 graph). The first message converted or
 * checked pays the load instead (~70 ms on the bench machine). A missing proto file still fails
 * here, at startup, as the eager load did.
 */
export function seldonProtocolOnDemand(protoDir: string): SeldonCodecWithCheck {
  accessSync(join(protoDir, 'seldon', 'prediction.proto'));
  let loaded: SeldonCodecWithCheck | undefined;
  const codec = (): SeldonCodecWithCheck => (loaded ??= loadSeldonProtocol(protoDir));
  return {
    get root() {
      return codec().root;
    },
    toProto: (type, json) => codec().toProto(type, json),
    toJson: (type, bytes) => codec().toJson(type, bytes),
    check: (type, bytes) => codec().check(type, bytes),
  };
}

export { SELDON_MESSAGE_TYPES } from './message-types';
export type { SeldonCodec } from './proto-codec';
