import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/schema';
import { EngineError, engineError, GRPC, grpcCodeName, isUnreadableMessage, toEngineError } from '../../errors';
import type { CallContext } from '../../graph/unit';
import { WaitClock } from '../../graph/wait-clock';
import { Payload, type SeldonMessageType } from '../../message/payload';
import type { SeldonCodecWithCheck } from '../../protocols/seldon';
import type { PredictionService } from '../../service/prediction-service';
import type { Logger } from '../../telemetry/logger';
import type { EngineMetrics } from '../../telemetry/metrics';
import type { Tracing } from '../../telemetry/tracing';
import { GrpcH2Server } from './h2-server';
import type { UnaryCall, UnaryHandler } from './h2-unary';
import { metadataToHeaders } from './metadata';

export interface GrpcServerDeps {
  readonly config: Config;
  readonly service: PredictionService;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly codec: SeldonCodecWithCheck;
  /** Server span per call (absent or off: none). */
  readonly tracing?: Tracing;
}

const SERVICE = '/seldon.protos.Seldon';

/** Request and answer as chunk lists (a large message is never joined on its way through), or one Buffer. */
type Handler = (request: readonly Buffer[], ctx: CallContext) => Promise<Buffer | readonly Buffer[]>;

/**
 * The gRPC server of the seldon protocol (section 3.1): `seldon.protos.Seldon` with Predict,
 * SendFeedback, ModelMetadata and GraphMetadata. Every failure becomes a gRPC status; nothing a client
 * sends can throw out of a handler.
 */
export function createGrpcServer(deps: GrpcServerDeps): GrpcH2Server {
  const { codec, service } = deps;
  // REST's --headers_timeout and --keepalive_timeout bound gRPC connections too: one that never
  // finishes its HTTP/2 handshake, or stays without calls, would otherwise hold a file descriptor for ever.
  const server = new GrpcH2Server(deps.config.annotations.grpcMaxMessageSize, { handshakeMs: deps.config.headersTimeoutMs, idleMs: deps.config.keepAliveTimeoutMs });
  const request = (type: SeldonMessageType, bytes: readonly Buffer[]): Payload => {
    try {
      codec.check(type, bytes);
    } catch (err) {
      throw engineError('BAD_REQUEST_PROTOBUF', `the request is a ${(err as Error).message}`);
    }
    return Payload.fromProto(bytes, type, codec);
  };
  const handlers: Record<string, Handler> = {
    Predict: async (bytes, ctx) => {
      const answer = await service.predict(request('SeldonMessage', bytes), ctx);
      return encodeAnswer('SeldonMessage', () => answer.asProto('SeldonMessage', codec, 'answer').chunks);
    },
    SendFeedback: async (bytes, ctx) => {
      const feedback = request('Feedback', bytes);
      const answer = await service.feedback(feedback, ctx);
      // A root that takes no feedback answers the feedback itself (Seldon); over gRPC the answer must
      // be a SeldonMessage, so it is an empty one (Seldon crashed here, quirk 11).
      return answer === feedback ? Buffer.alloc(0) : encodeAnswer('SeldonMessage', () => answer.asProto('SeldonMessage', codec, 'answer').chunks);
    },
    ModelMetadata: async (bytes, ctx) => {
      const name = (request('SeldonModelMetadataRequest', bytes).json() as { name?: unknown }).name;
      const metadata = await service.metadata(typeof name === 'string' ? name : '', ctx);
      return encodeAnswer('SeldonModelMetadata', () => metadata.asProto('SeldonModelMetadata', codec, 'metadata').chunks);
    },
    GraphMetadata: async (_bytes, ctx) => {
      const graph = (await service.graphMetadata(ctx)).json('graph metadata') as Record<string, unknown>;
      return encodeAnswer('SeldonGraphMetadata', () => codec.toProto('SeldonGraphMetadata', { name: graph.name, models: graph.models, inputs: graph.graphinputs ?? [], outputs: graph.graphoutputs ?? [] }));
    },
  };
  // Messages are bytes in and out: decoded only where a node reads them.
  for (const [name, handler] of Object.entries(handlers)) server.addUnary(`${SERVICE}/${name}`, unary(name, handler, deps));
  return server;
}

/**
 * Encodes what the graph answered for the gRPC caller. The caller's own request was protobuf, so JSON
 * that does not fit the message came from a child (a REST child's answer, transcoded here): that is
 * CHILD_BAD_RESPONSE (INTERNAL), not the caller's BAD_REQUEST_JSON (INVALID_ARGUMENT).
 */
function encodeAnswer(type: SeldonMessageType, encode: () => Buffer | readonly Buffer[]): Buffer | readonly Buffer[] {
  try {
    return encode();
  } catch (err) {
    if (!isUnreadableMessage(err)) throw err;
    throw engineError('CHILD_BAD_RESPONSE', `the graph answered JSON that is not a ${type}: ${err.message}`);
  }
}

/** Binds the server; resolves with the port (the given one, or the one chosen for port 0). */
export function listenGrpc(server: GrpcH2Server, config: Config): Promise<number> {
  const tls = config.tls === undefined ? {} : { tls: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } };
  return server.listen({ host: '0.0.0.0', port: config.grpcPort, ...tls });
}

function unary(name: string, handler: Handler, deps: GrpcServerDeps): UnaryHandler {
  const path = `${SERVICE}/${name}`;
  const sendsPuid = name === 'Predict' || name === 'SendFeedback';
  return (call: UnaryCall): void => {
    const started = performance.now();
    const puid = firstString(call.headers['seldon-puid']) || randomUUID();
    // Seldon answers the puid in the response headers (also ahead of an error status).
    const answerHeaders = sendsPuid ? { 'seldon-puid': puid } : undefined;
    const waits = new WaitClock();
    const headers = metadataToHeaders(call.headers, puid);
    const span = deps.tracing?.grpcServerSpan(path, headers, puid);
    const ctx: CallContext = {
      puid,
      headers: span?.headers ?? headers,
      signal: call.signal,
      routing: new Map(),
      waits,
      trace: span?.trace,
      ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
    };
    const finish = (code: number): void => {
      const elapsed = performance.now() - started;
      deps.metrics.observeServer(path, 'unary', grpcCodeName(code), elapsed / 1000);
      deps.metrics.observeOverhead(path, (elapsed - waits.waitedMs) / 1000);
    };
    handler(call.request, ctx).then(
      (answer) => {
        finish(GRPC.OK);
        span?.end(GRPC.OK);
        call.ok(answer, answerHeaders);
      },
      (err: unknown) => {
        const error: EngineError = toEngineError(err);
        finish(error.grpcCode);
        span?.end(error.grpcCode, error);
        if (error.grpcCode >= 13 || error.code === 'INTERNAL') deps.logger.error('gRPC request failed', { puid, method: path, code: error.code, error: error.message });
        else deps.logger.info('gRPC request failed', { puid, method: path, code: error.code, error: error.message });
        call.fail(error.grpcCode, error.grpcMessage, answerHeaders);
      },
    );
  };
}

function firstString(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}
