import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { join } from 'node:path';
import { loadSeldonProtocol } from '../../src/protocols/seldon';
import type { SeldonMessageType } from '../../src/message/payload';

/** The repository's protos folder (tests run from dist/test/...). */
export const PROTO_DIR = join(__dirname, '..', '..', '..', 'protos');
const codec = loadSeldonProtocol(PROTO_DIR);

export interface GrpcReceivedCall {
  /** Full method path, e.g. `/seldon.protos.Model/Predict`. */
  readonly method: string;
  /** The request decoded to its Seldon JSON form. */
  readonly request: unknown;
  /** The request exactly as received (protobuf bytes). */
  readonly bytes: Buffer;
  readonly metadata: Metadata;
}

export interface GrpcChildReply {
  /** The answer in Seldon JSON form (encoded as the method's answer type). */
  readonly json?: unknown;
  /** Raw answer bytes (for malformed answers). */
  readonly raw?: Buffer;
  /** An error status instead of an answer. */
  readonly code?: number;
  readonly details?: string;
  readonly delayMs?: number;
  readonly hang?: boolean;
}

export type GrpcChildScript = (call: GrpcReceivedCall) => GrpcChildReply | Promise<GrpcChildReply>;

export interface GrpcChild {
  readonly port: number;
  readonly calls: GrpcReceivedCall[];
  /** Calls the engine cancelled before the child answered. */
  readonly cancelled: GrpcReceivedCall[];
  callsTo(method: string): GrpcReceivedCall[];
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;
const PKG = 'seldon.protos';

/** Every rpc of the Seldon model-side services, with its request and answer types. */
const METHODS: ReadonlyArray<readonly [service: string, rpc: string, request: SeldonMessageType | 'Empty', answer: SeldonMessageType]> = [
  ['Model', 'Predict', 'SeldonMessage', 'SeldonMessage'],
  ['Model', 'SendFeedback', 'Feedback', 'SeldonMessage'],
  ['Model', 'Metadata', 'Empty', 'SeldonModelMetadata'],
  ['Router', 'Route', 'SeldonMessage', 'SeldonMessage'],
  ['Router', 'SendFeedback', 'Feedback', 'SeldonMessage'],
  ['Transformer', 'TransformInput', 'SeldonMessage', 'SeldonMessage'],
  ['OutputTransformer', 'TransformOutput', 'SeldonMessage', 'SeldonMessage'],
  ['Combiner', 'Aggregate', 'SeldonMessageList', 'SeldonMessage'],
  ['Generic', 'TransformInput', 'SeldonMessage', 'SeldonMessage'],
  ['Generic', 'TransformOutput', 'SeldonMessage', 'SeldonMessage'],
  ['Generic', 'Route', 'SeldonMessage', 'SeldonMessage'],
  ['Generic', 'Aggregate', 'SeldonMessageList', 'SeldonMessage'],
  ['Generic', 'SendFeedback', 'Feedback', 'SeldonMessage'],
];

/**
 * A real grpc-js model server on 127.0.0.1, port 0, serving every Seldon model-side service and
 * answering from a script that sees and returns the Seldon JSON form.
 */
export async function startGrpcChild(script: GrpcChildScript, options: { maxMessageBytes?: number } = {}): Promise<GrpcChild> {
  const calls: GrpcReceivedCall[] = [];
  const cancelled: GrpcReceivedCall[] = [];
  const max = options.maxMessageBytes ?? -1;
  const server = new Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max });
  const byService = new Map<string, { definition: Record<string, ServiceDefinition[string]>; implementation: UntypedServiceImplementation }>();
  for (const [service, rpc, requestType, answerType] of METHODS) {
    let entry = byService.get(service);
    if (entry === undefined) {
      entry = { definition: {}, implementation: {} };
      byService.set(service, entry);
    }
    const path = `/${PKG}.${service}/${rpc}`;
    entry.definition[rpc] = { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
    entry.implementation[rpc] = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const request = requestType === 'Empty' ? {} : codec.toJson(requestType, call.request);
      const received: GrpcReceivedCall = { method: path, request, bytes: call.request, metadata: call.metadata };
      calls.push(received);
      let answered = false;
      call.once('cancelled', () => {
        if (!answered) cancelled.push(received);
      });
      Promise.resolve()
        .then(() => script(received))
        .then(async (reply) => {
          if (reply.hang === true) return;
          if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
          answered = true;
          if (reply.code !== undefined) callback({ code: reply.code, details: reply.details ?? '' });
          else callback(null, reply.raw ?? codec.toProto(answerType, reply.json ?? {}));
        })
        .catch((err: unknown) => {
          answered = true;
          callback({ code: status.INTERNAL, details: `test child script failed: ${String(err)}` });
        });
    };
  }
  for (const { definition, implementation } of byService.values()) server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))));
  return {
    port,
    calls,
    cancelled,
    callsTo: (method) => calls.filter((c) => c.method === method),
    close: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}

/** A gRPC endpoint block for a graph node pointing at a child server. */
export function grpcEndpoint(port: number): { service_host: string; service_port: number; grpcPort: number; type: 'GRPC' } {
  return { service_host: '127.0.0.1', service_port: port, grpcPort: port, type: 'GRPC' };
}
