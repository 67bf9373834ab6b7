import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSeldonProtocol } from '../../src/protocols/seldon';
import type { SeldonMessageType } from '../../src/message/payload';
import { PROTO_DIR } from './grpc-child';

const codec = loadSeldonProtocol(PROTO_DIR);
const identity = (b: Buffer): Buffer => b;

export interface GrpcAnswer {
  /** 0 (OK) or the status code. */
  readonly code: number;
  readonly details: string;
  /** The answer in Seldon JSON form (undefined on error). */
  readonly json: unknown;
  /** Response header metadata (e.g. seldon-puid). */
  readonly header: Metadata | undefined;
}

/** A gRPC caller of the engine's `seldon.protos.Seldon` service, speaking Seldon JSON on the test side. */
export class SeldonGrpcClient {
  readonly #client: Client;

  constructor(port: number) {
    this.#client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  }

  /** Calls `Seldon/<rpc>` with `request` (JSON, or raw bytes). */
  call(rpc: 'Predict' | 'SendFeedback' | 'ModelMetadata' | 'GraphMetadata', request: unknown, options: { metadata?: Record<string, string>; deadlineMs?: number; signal?: AbortSignal } = {}): Promise<GrpcAnswer> {
    const types: Record<string, [SeldonMessageType | 'Empty', SeldonMessageType]> = {
      Predict: ['SeldonMessage', 'SeldonMessage'],
      SendFeedback: ['Feedback', 'SeldonMessage'],
      ModelMetadata: ['SeldonModelMetadataRequest', 'SeldonModelMetadata'],
      GraphMetadata: ['Empty', 'SeldonGraphMetadata'],
    };
    const [reqType, ansType] = types[rpc] ?? ['SeldonMessage', 'SeldonMessage'];
    const body = Buffer.isBuffer(request) ? request : reqType === 'Empty' ? Buffer.alloc(0) : codec.toProto(reqType, request);
    const md = new Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
    let header: Metadata | undefined;
    return new Promise((resolve) => {
      const call = this.#client.makeUnaryRequest(`/seldon.protos.Seldon/${rpc}`, identity, identity, body, md,
        options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
        (err: ServiceError | null, value?: Buffer) => {
          if (err !== null) resolve({ code: err.code, details: err.details, json: undefined, header });
          else resolve({ code: 0, details: '', json: codec.toJson(ansType, value ?? Buffer.alloc(0)), header });
        });
      call.on('metadata', (m: Metadata) => {
        header = m;
      });
      // Cancelling the call (the caller goes away) is how a test shows cancellation reaching children.
      options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /** Calls an arbitrary method with raw bytes (unknown methods, malformed bytes). */
  raw(method: string, body: Buffer): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(method, identity, identity, body, new Metadata(), {}, (err: ServiceError | null) => {
        resolve(err === null ? { code: 0, details: '' } : { code: err.code, details: err.details });
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}
