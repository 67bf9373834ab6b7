import type { Payload } from '../message/payload';
import type { CancelSignal } from './cancel';
import type { WaitClock } from './wait-clock';

/**
 * What a graph step needs from the request it serves. The graph core only passes it along; units
 * that call children read `headers` (forwarded downstream headers) and honour `signal`.
 */
export interface CallContext {
  readonly puid: string;
  /** Downstream request headers to forward to children (lower-case names, hop-by-hop removed). */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Aborted when the caller goes away or a sibling in a fan-out failed. */
  readonly signal: CancelSignal;
  /** Route chosen by each node visited so far (node name to route), for routing injection. */
  readonly routing: Map<string, number>;
  /** The caller's deadline (epoch ms), when it set one (gRPC); child calls end by then. */
  readonly deadline?: number;
  /** Time spent waiting on child servers, for the engine-overhead metric. */
  readonly waits?: WaitClock;
  /**
   * The trace context of the current span (an OpenTelemetry Context, opaque to the graph core), set by
   * the transports' server span and by each node's tracing observer; absent when tracing is off.
   */
  readonly trace?: unknown;
}

/**
 * One node's behaviour. A unit implements only the steps its node takes; the plan calls the ones
 * present. Contracts:
 * - every method resolves with a new Payload or rejects with an EngineError;
 * - `route` resolves with the raw route the unit chose (bounds are checked by the graph core);
 * - a unit never mutates the Payloads it receives.
 */
export interface Unit {
  /** Predict (MODEL) or transform-input (TRANSFORMER / TRANSFORM_INPUT). */
  transformInput?(msg: Payload, ctx: CallContext): Promise<Payload>;
  route?(msg: Payload, ctx: CallContext): Promise<number>;
  aggregate?(msgs: readonly Payload[], ctx: CallContext): Promise<Payload>;
  transformOutput?(msg: Payload, ctx: CallContext): Promise<Payload>;
  /** Takes the Feedback message; resolves with the node's answer. */
  sendFeedback?(feedback: Payload, ctx: CallContext): Promise<Payload>;
  /** The node's health (`GET /health/status` for a remote node). */
  status?(ctx: CallContext): Promise<Payload>;
  /** The node's model metadata (`GET /metadata` for a remote node). */
  metadata?(ctx: CallContext): Promise<Payload>;
}
