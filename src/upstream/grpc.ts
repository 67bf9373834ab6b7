import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { engineError, grpcCodeName, httpStatusForGrpcCode, type EngineError } from '../errors';
import type { CancelSignal } from '../graph/cancel';

export interface GrpcCall {
  /** Full method path, e.g. `/seldon.protos.Model/Predict`. */
  readonly method: string;
  /** The request message, already serialised. */
  readonly body: Buffer;
  /** Downstream headers / metadata to forward (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Per-call deadline (`seldon.io/grpc-timeout`, or the default ceiling), in ms. */
  readonly timeoutMs: number;
  /** The caller's own deadline (epoch ms), if any: the call ends by then too. */
  readonly deadline: number | undefined;
  readonly signal: CancelSignal;
  /** Graph node, for error messages. */
  readonly node: string;
}

export interface GrpcReply {
  readonly body: Buffer;
  /** grpc-go name of the status (`OK`, ...), for metrics. */
  readonly code: string;
}

export interface GrpcUpstreamOptions {
  /** `seldon.io/grpc-max-message-size`: send and receive limit of child calls. */
  readonly maxMessageBytes: number;
  /** Connections per child (Seldon keeps a pool of 10 per host:port). */
  readonly channelsPerTarget: number;
}

/** Observes every finished child call, whatever its status (as Seldon's gRPC client interceptor). */
export type GrpcObserver = (method: string, code: string, seconds: number) => void;

/** Bytes in, bytes out: messages are (de)serialised by the engine only where a node reads them. */
const identity = (b: Buffer): Buffer => b;

/**
 * gRPC child calls: for each child target, a fixed set of grpc-js channels made at graph load, each
 * its own connection (`grpc.use_local_subchannel_pool`), used round-robin. Every call has a deadline,
 * follows the caller's AbortSignal, and carries the downstream metadata.
 */
export class GrpcUpstream {
  readonly #options: GrpcUpstreamOptions;
  readonly #targets = new Map<string, ChannelSet>();

  constructor(options: GrpcUpstreamOptions) {
    this.#options = options;
  }

  /** The channel set of a target (`host:port`); call at graph load. */
  target(target: string): ChannelSet {
    let set = this.#targets.get(target);
    if (set === undefined) {
      const max = this.#options.maxMessageBytes >= 2147483647 ? -1 : this.#options.maxMessageBytes;
      const clients = Array.from({ length: this.#options.channelsPerTarget }, () => new Client(target, credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': max,
        'grpc.max_send_message_length': max,
      }));
      // Connect now rather than on the first calls (grpc-js is lazy), so traffic finds the pool ready.
      for (const c of clients) c.getChannel().getConnectivityState(true);
      set = new ChannelSet(target, clients);
      this.#targets.set(target, set);
    }
    return set;
  }

  close(): void {
    for (const set of this.#targets.values()) set.close();
    this.#targets.clear();
  }
}

export class ChannelSet {
  readonly target: string;
  readonly #clients: readonly Client[];
  #next = 0;

  constructor(target: string, clients: readonly Client[]) {
    this.target = target;
    this.#clients = clients;
  }

  /** Sends one unary call; resolves with the answer bytes or rejects with an EngineError. */
  unary(call: GrpcCall, observe: GrpcObserver): Promise<Buffer> {
    const client = this.#clients[this.#next] as Client;
    this.#next = (this.#next + 1) % this.#clients.length;
    const started = performance.now();
    const own = Date.now() + call.timeoutMs;
    const deadline = call.deadline === undefined ? own : Math.min(own, call.deadline);
    return new Promise<Buffer>((resolve, reject) => {
      if (call.signal.aborted) {
        reject(aborted(call, this.target));
        return;
      }
      let unlisten: (() => void) | undefined;
      const pending = client.makeUnaryRequest(call.method, identity, identity, call.body, toMetadata(call.headers), { deadline }, (err, value) => {
        unlisten?.();
        observe(call.method, grpcCodeName(err?.code ?? grpcStatus.OK), (performance.now() - started) / 1000);
        // A DEADLINE_EXCEEDED that ends the call well before the deadline is the child's own status.
        if (err !== null || value === undefined) reject(childError(err, call, this.target, deadline === own, Date.now() >= deadline - DEADLINE_SLACK_MS));
        else resolve(value);
      });
      unlisten = call.signal.onAbort(() => pending.cancel());
    });
  }

  /** Resolves true when a connection to the child is up (or comes up) before `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean> {
    const client = this.#clients[0] as Client;
    return new Promise((resolve) => client.waitForReady(Date.now() + timeoutMs, (err) => resolve(err === undefined || err === null)));
  }

  close(): void {
    for (const c of this.#clients) c.close();
  }
}

/** How early before the deadline a DEADLINE_EXCEEDED may end a call and still be the deadline's doing (timer jitter). */
const DEADLINE_SLACK_MS = 10;

/** Metadata keys grpc-js reserves or that only make sense on one hop. */
const RESERVED = new Set(['content-type', 'user-agent', 'te', 'host', 'connection', 'accept-encoding', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);
const VALID_KEY = /^[0-9a-z_.-]+$/;

/** Downstream headers as gRPC metadata: reserved and invalid keys dropped, `-bin` values from base64. */
export function toMetadata(headers: Readonly<Record<string, string | string[]>>): Metadata {
  const md = new Metadata();
  for (const key in headers) {
    if (RESERVED.has(key) || key.startsWith('grpc-') || !VALID_KEY.test(key)) continue;
    const value = headers[key];
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      if (key.endsWith('-bin')) md.add(key, Buffer.from(v, 'base64'));
      else md.add(key, v);
    }
  }
  return md;
}

function aborted(call: GrpcCall, target: string): EngineError {
  return engineError('CLIENT_CLOSED', `call to node "${call.node}" (${call.method} at ${target}) aborted: the caller went away`);
}

/**
 * A child's gRPC failure: its code reaches a gRPC caller unchanged and a REST caller as the matching
 * HTTP status. UNAVAILABLE and an expired deadline get the engine's CHILD_UNREACHABLE / CHILD_TIMEOUT
 * reasons (same gRPC codes), so REST callers see 502 / 504 as for REST children; a DEADLINE_EXCEEDED
 * the child answers before the deadline keeps its details, like any other child status.
 */
function childError(err: ServiceError | null, call: GrpcCall, target: string, ownDeadline: boolean, expired: boolean): EngineError {
  if (err === null) return engineError('CHILD_BAD_RESPONSE', `node "${call.node}": ${call.method} at ${target} answered no message`);
  const where = `node "${call.node}": ${call.method} at ${target}`;
  if (err.code === grpcStatus.CANCELLED && call.signal.aborted) return aborted(call, target);
  if (err.code === grpcStatus.DEADLINE_EXCEEDED && expired) {
    const detail = ownDeadline ? `did not answer within ${call.timeoutMs} ms` : 'did not answer before the caller\'s deadline';
    return engineError('CHILD_TIMEOUT', `${where} ${detail}`);
  }
  if (err.code === grpcStatus.UNAVAILABLE) return engineError('CHILD_UNREACHABLE', `${where} is unavailable: ${err.details}`);
  return engineError('CHILD_STATUS', `${where} failed with ${grpcCodeName(err.code)}: ${err.details}`, {
    grpcCode: err.code,
    grpcMessage: err.details,
    httpStatus: httpStatusForGrpcCode(err.code),
  });
}
