import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSeldonProtocol } from '../protocols/seldon';

/** The repository's protos folder (this file is dist/src/bench/payloads.js). */
export const PROTO_DIR = join(__dirname, '..', '..', '..', 'protos');

/** P1: the 4-float ndarray of Seldon's own examples (40 bytes). */
export const P1_JSON = '{"data":{"ndarray":[[1.0,2.0,3.0,4.0]]}}';

/**
 * P2 over REST: a `data.tensor` of 52,000 float32 values printed as doubles, ~1.0 MB of JSON
 * (performance.md section 5; 131,072 doubles would be 2.5 MB of JSON).
 */
export const P2_REST_VALUES = 52_000;
/** P2 over gRPC: 131,072 doubles = 1 MiB of packed protobuf. */
export const P2_GRPC_VALUES = 131_072;

/** A deterministic `{"data":{"tensor":{"shape":[1,n],"values":[...]}}}` message. */
export function tensorMessage(n: number): { data: { tensor: { shape: number[]; values: number[] } } } {
  const values = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
  return { data: { tensor: { shape: [1, n], values } } };
}

/** A request body in both wire forms: REST JSON bytes and gRPC SeldonMessage bytes. */
export interface BenchPayload {
  readonly name: string;
  readonly json: Buffer;
  readonly proto: Buffer;
}

/** Seldon JSON messages -> protobuf SeldonMessages, with the engine's own codec (loaded once per call). */
export function seldonMessageProtos(...messages: readonly unknown[]): Buffer[] {
  const codec = loadSeldonProtocol(PROTO_DIR);
  return messages.map((m) => codec.toProto('SeldonMessage', m));
}

/** One Seldon JSON message -> protobuf SeldonMessage. */
export function seldonMessageProto(json: unknown): Buffer {
  return seldonMessageProtos(json)[0] as Buffer;
}

/** The named standard payloads: `p1`, or `p2` (1 MB; REST and gRPC sizes differ, see above). */
export function standardPayload(name: 'p1' | 'p2'): BenchPayload {
  if (name === 'p1') return { name, json: Buffer.from(P1_JSON), proto: seldonMessageProto(JSON.parse(P1_JSON)) };
  return { name, json: Buffer.from(JSON.stringify(tensorMessage(P2_REST_VALUES))), proto: seldonMessageProto(tensorMessage(P2_GRPC_VALUES)) };
}

/** `p1`, `p2`, or the path of a file holding one Seldon JSON message. */
export function loadPayload(spec: string): BenchPayload {
  if (spec === 'p1' || spec === 'p2') return standardPayload(spec);
  const text = readFileSync(spec, 'utf8');
  return { name: spec, json: Buffer.from(text), proto: seldonMessageProto(JSON.parse(text)) };
}
