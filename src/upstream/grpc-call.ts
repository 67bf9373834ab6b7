import type { ClientHttp2Session, OutgoingHttpHeaders } from 'node:http2';
import { GRPC } from '../errors';
import type { CancelSignal } from '../graph/cancel';
import type { Deadlines } from '../graph/deadlines';
import { exchangeUnary, type CancelExchange, type UnaryResult } from './grpc-exchange';
import type { GrpcSession } from './grpc-session';

/** What one child call needs besides its connection. */
export interface UnaryRequest {
  readonly headers: OutgoingHttpHeaders;
  /** The request message: one Buffer, or its chunks (written as they are). */
  readonly body: Buffer | readonly Buffer[];
  /** Largest answer accepted. */
  readonly maxBytes: number;
  /** Time left until the call's deadline (> 0). */
  readonly timeoutMs: number;
  readonly signal: CancelSignal;
}

/**
 * Runs one unary call on a connection of `slot`: ends it at the deadline or when the caller's
 * signal aborts (the child sees RST_STREAM CANCEL either way), and sends it once more when the child
 * refused it unprocessed (a GOAWAY racing the call), as grpc's transparent retry does. `done` is
 * called exactly once.
 */
export function runUnary(slot: GrpcSession, request: UnaryRequest, deadlines: Deadlines, done: (result: UnaryResult) => void): void {
  let settled = false;
  let retried = false;
  let cancelExchange: CancelExchange | undefined;
  let session: ClientHttp2Session | undefined;
  const finish = (result: UnaryResult): void => {
    if (settled) return;
    settled = true;
    slot.active--;
    deadline.clear();
    unlisten();
    done(result);
  };
  const stop = (code: number, details: string): void => {
    if (settled) return;
    const cancel = cancelExchange;
    finish({ code, details });
    cancel?.(code, details);
    if (code === GRPC.DEADLINE_EXCEEDED && session !== undefined) slot.probe(session);
  };
  const onResult = (result: UnaryResult): void => {
    if (result.refused === true && !retried && !settled) {
      retried = true;
      start();
    } else {
      finish(result);
    }
  };
  const start = (): void => {
    const acquired = slot.acquire();
    if (typeof acquired === 'string') {
      finish({ code: GRPC.UNAVAILABLE, details: acquired });
    } else {
      session = acquired;
      cancelExchange = exchangeUnary(acquired, request.headers, request.body, request.maxBytes, onResult);
    }
  };
  // All three before start(): a call that fails at once must find them to undo.
  slot.active++;
  // A deadline list rather than a setTimeout per call (see deadlines.ts).
  const deadline = deadlines.add(request.timeoutMs, { onDeadline: () => stop(GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded') });
  const unlisten = request.signal.onAbort(() => stop(GRPC.CANCELLED, 'Cancelled on client'));
  start();
}
