import type { Context } from '@opentelemetry/api';
import type { NodeObserver, NodeSpec } from '../../graph';

/** Request headers as forwarded to children (lower-case names). */
export type Headers = Readonly<Record<string, string | string[]>>;

/** Span attributes of infergraph's own (the others are OpenTelemetry semantic conventions). */
export const ATTR = {
  node: 'infergraph.node',
  method: 'infergraph.method',
  type: 'infergraph.type',
  implementation: 'infergraph.implementation',
  transport: 'infergraph.transport',
  route: 'infergraph.route',
  outcome: 'infergraph.outcome',
  puid: 'seldon.puid',
} as const;

/** The server span of one request, as the transports use it. */
export interface ServerSpan {
  /** The headers to forward to children: the request's, with this span's trace context. */
  readonly headers: Headers;
  /** For CallContext.trace: the context whose current span is this one. */
  readonly trace: Context;
  /** Ends the span with the answer's status (HTTP status or gRPC code) and, on failure, the error. Idempotent. */
  end(status: number, error?: unknown): void;
}

/**
 * Tracing of requests and node calls. When off, every method answers undefined at once, so a request
 * pays nothing and the plan has no tracing observers.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** A SERVER span named after the REST route (`predictions`, `feedback`, `status`, `metadata`, `graph-metadata`). */
  httpServerSpan(route: string, method: string, url: string, headers: Headers, puid: string): ServerSpan | undefined;
  /** A SERVER span named after the gRPC method (`seldon.protos.Seldon/Predict`); `path` is `/seldon.protos.Seldon/Predict`. */
  grpcServerSpan(path: string, headers: Headers, puid: string): ServerSpan | undefined;
  /** The observer that gives each visit of the node its span; `builtin`: the node runs in the engine. */
  nodeObserver(node: NodeSpec, builtin: boolean): NodeObserver | undefined;
  /** Exports the spans still buffered and stops. */
  close(): Promise<void>;
}

export const TRACING_OFF: Tracing = Object.freeze({
  enabled: false,
  httpServerSpan: () => undefined,
  grpcServerSpan: () => undefined,
  nodeObserver: () => undefined,
  close: () => Promise.resolve(),
});

