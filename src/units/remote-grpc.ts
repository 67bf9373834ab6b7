import { blameChild, engineError } from '../errors';
import type { NodeSpec, RemoteStep } from '../graph';
import type { CallContext, Unit } from '../graph/unit';
import { Payload, type ProtoCodec, type SeldonMessageType } from '../message/payload';
import { routeFromResponse } from '../message/route-response';
import type { ChannelSet, GrpcObserver, GrpcUpstream } from '../upstream/grpc';

export interface RemoteGrpcOptions {
  readonly grpc: GrpcUpstream;
  readonly codec: ProtoCodec & { check(type: SeldonMessageType, bytes: Uint8Array | readonly Uint8Array[]): void };
  /** Per-call deadline (`seldon.io/grpc-timeout`, or the default ceiling). */
  readonly timeoutMs: number;
  /** Bound of the connectivity check behind `status`. */
  readonly readyTimeoutMs: number;
  readonly observe: GrpcObserver;
}

const PKG = '/seldon.protos';

/**
 * The gRPC method a node's step calls (section 3.2 and the Java engine): the service of the node's
 * type (`Model`, `Transformer`, `Router`, `Combiner`, `OutputTransformer`), or `Generic` for a node
 * with methods and no type. Feedback goes to `Router/SendFeedback` for routers (Seldon sent every node
 * to `Model/SendFeedback`, quirk 10).
 */
export function grpcMethod(node: NodeSpec, step: RemoteStep): string {
  const generic = node.type === 'UNKNOWN_TYPE';
  switch (step) {
    case 'predict': return `${PKG}.Model/Predict`;
    case 'transform-input': return generic ? `${PKG}.Generic/TransformInput` : node.type === 'MODEL' ? `${PKG}.Model/Predict` : `${PKG}.Transformer/TransformInput`;
    case 'route': return generic ? `${PKG}.Generic/Route` : `${PKG}.Router/Route`;
    case 'aggregate': return generic ? `${PKG}.Generic/Aggregate` : `${PKG}.Combiner/Aggregate`;
    case 'transform-output': return generic ? `${PKG}.Generic/TransformOutput` : `${PKG}.OutputTransformer/TransformOutput`;
    case 'send-feedback': return generic ? `${PKG}.Generic/SendFeedback` : node.type === 'ROUTER' ? `${PKG}.Router/SendFeedback` : `${PKG}.Model/SendFeedback`;
  }
}

/**
 * A node whose steps are gRPC calls to its model server. Payloads already in protobuf pass through as
 * bytes; JSON payloads (from REST callers, REST children or built-ins) are transcoded once. Answers are
 * checked to be well-formed SeldonMessages, so a broken child is named here rather than downstream.
 */
export function createRemoteGrpcUnit(node: NodeSpec, steps: ReadonlySet<RemoteStep>, options: RemoteGrpcOptions): Unit {
  const endpoint = node.endpoint;
  if (endpoint === undefined) throw new Error(`node "${node.name}" has no endpoint`); // parse.ts guarantees one
  const target = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.grpcPort}`;
  const channels = options.grpc.target(target);
  const { codec } = options;
  // Method paths built once, not per call.
  const methods = new Map<RemoteStep | 'metadata', string>([['metadata', `${PKG}.Model/Metadata`]]);
  for (const step of steps) methods.set(step, grpcMethod(node, step));
  const call = async (step: RemoteStep | 'metadata', request: Payload, answerType: SeldonMessageType, ctx: CallContext): Promise<Payload> => {
    const method = methods.get(step) ?? grpcMethod(node, step as RemoteStep);
    // Chunks in and out: a large message is written and kept as received, never joined here.
    const body = await send(channels, method, request.chunks, ctx, node.name, options);
    try {
      codec.check(answerType, body);
    } catch (err) {
      throw engineError('CHILD_BAD_RESPONSE', `node "${node.name}": ${method} at ${target} answered a malformed ${answerType}: ${(err as Error).message}`);
    }
    return Payload.fromProto(body, answerType, codec, node.name);
  };
  const message = (msg: Payload): Payload => toProto(msg, 'SeldonMessage', node.name, codec);

  const unit: Unit = {
    metadata: (ctx) => call('metadata', EMPTY, 'SeldonModelMetadata', ctx),
    status: async () => {
      if (await channels.ready(options.readyTimeoutMs)) return Payload.fromJson({ status: 'ok', name: node.name });
      throw engineError('CHILD_UNREACHABLE', `node "${node.name}": no gRPC connection to ${target} within ${options.readyTimeoutMs} ms`);
    },
  };
  if (steps.has('transform-input')) unit.transformInput = (msg, ctx) => call('transform-input', message(msg), 'SeldonMessage', ctx);
  else if (steps.has('predict')) unit.transformInput = (msg, ctx) => call('predict', message(msg), 'SeldonMessage', ctx);
  if (steps.has('route')) unit.route = async (msg, ctx) => routeFromResponse(await call('route', message(msg), 'SeldonMessage', ctx), node.name);
  if (steps.has('aggregate')) unit.aggregate = (msgs, ctx) => call('aggregate', messageList(msgs, node.name, codec), 'SeldonMessage', ctx);
  if (steps.has('transform-output')) unit.transformOutput = (msg, ctx) => call('transform-output', message(msg), 'SeldonMessage', ctx);
  if (steps.has('send-feedback')) unit.sendFeedback = (fb, ctx) => call('send-feedback', toProto(fb, 'Feedback', node.name, codec), 'SeldonMessage', ctx);
  return unit;
}

const EMPTY = new Payload(Buffer.alloc(0), 'application/protobuf');

/**
 * A payload as protobuf for this gRPC node. A message that does not fit is the caller's fault when it
 * is the caller's request, and the answering child's (CHILD_BAD_RESPONSE, naming it) when another
 * node's child server produced it.
 */
function toProto(msg: Payload, type: SeldonMessageType, node: string, codec: ProtoCodec): Payload {
  try {
    return msg.asProto(type, codec, type === 'Feedback' ? 'feedback' : 'message');
  } catch (err) {
    throw blameChild(err, msg.origin, `that gRPC node "${node}" cannot be sent`);
  }
}

function send(channels: ChannelSet, method: string, body: readonly Buffer[], ctx: CallContext, node: string, options: RemoteGrpcOptions): Promise<readonly Buffer[]> {
  return channels.unary({
    method, body, headers: ctx.headers, timeoutMs: options.timeoutMs, deadline: ctx.deadline, signal: ctx.signal, node,
  }, options.observe);
}

/**
 * A SeldonMessageList built from the children's messages without decoding them: each element is
 * field 1 (`seldonMessages`), length-delimited, so the list is tag + varint length + bytes, repeated.
 * Kept as a chunk list (each header, then the message's own chunks): the messages are not copied.
 */
export function messageList(msgs: readonly Payload[], node: string, codec: ProtoCodec): Payload {
  const parts: Buffer[] = [];
  for (const m of msgs) {
    const proto = toProto(m, 'SeldonMessage', node, codec);
    parts.push(fieldHeader(proto.size));
    for (const c of proto.chunks) parts.push(c);
  }
  return Payload.fromProto(parts, 'SeldonMessageList', codec);
}

/** Tag of field 1, length-delimited (0x0a), then `length` as a varint. */
function fieldHeader(length: number): Buffer {
  const bytes: number[] = [0x0a];
  let v = length;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
