import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { engineError, EngineError } from '../errors';
import type { CancelSignal } from '../graph/cancel';
import { appendChunk } from '../message/chunks';
import { Deadlines, type Deadline, type DeadlineOwner } from '../graph/deadlines';

/** One finished child answer, whatever its status. */
export interface HttpReply {
  readonly status: number;
  /** The answer as received, not joined (see Payload). */
  readonly chunks: Buffer[];
  readonly contentType: string;
  readonly contentEncoding: string;
}

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Full URL, for error messages. */
  readonly url: string;
  /** The request body's chunks (sent as they are, with their total as Content-Length). */
  readonly body: readonly Buffer[] | undefined;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Downstream headers to forward (already filtered, see headers.ts). */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Whole-call deadline: connect, headers and body. */
  readonly timeoutMs: number;
  readonly signal: CancelSignal;
  /** Graph node, for error messages. */
  readonly node: string;
}

export interface HttpUpstreamOptions {
  readonly connectTimeoutMs: number;
  /** Largest child answer read into memory; larger answers fail with CHILD_BAD_RESPONSE. */
  readonly maxResponseBytes: number;
}

/**
 * REST child calls: one keep-alive undici Pool per child origin, made when the graph is compiled, and
 * requests sent with `dispatch` (the cheapest undici API, performance.md section 4). Every call has a
 * deadline and follows the caller's AbortSignal.
 */
export class HttpUpstream {
  readonly #pools = new Map<string, Pool>();
  /** Per-call deadlines, cheaper than a timer per call (see deadlines.ts). */
  readonly #deadlines = new Deadlines();
  readonly #options: HttpUpstreamOptions;

  constructor(options: HttpUpstreamOptions) {
    this.#options = options;
  }

  /** The pool for an origin (`http://host:port`), created on first use; call at graph load. */
  pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connect: { timeout: this.#options.connectTimeoutMs },
        // The per-call deadline (HttpCall.timeoutMs) is the real limit; these only disable undici's own 300 s ones.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 30_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * Sends one request and resolves with what `onReply` makes of the child's answer (any status);
   * rejects with an EngineError, or with what `onReply` throws. `onReply` runs as the answer ends,
   * so a call costs one promise, not two.
   */
  request<T>(pool: Pool, call: HttpCall, onReply: (reply: HttpReply) => T): Promise<T> {
    const deadlines = this.#deadlines;
    return new Promise<T>((resolve, reject) => {
      pool.dispatch(dispatchOptions(call), new ReplyCollector(call, this.#options.maxResponseBytes, deadlines, onReply, resolve, reject));
    });
  }

  /** Closes the pools once their calls have ended (each still bound by its deadline), then the deadline timers. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.#pools.clear();
    this.#deadlines.close();
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Headers go to undici as a flat name/value list: copying the per-request header object with a
 * spread costs ~3 µs (it is a dictionary-mode object), building the list ~0.1 µs.
 */
function dispatchOptions(call: HttpCall): Dispatcher.DispatchOptions {
  const headers: string[] = [];
  const forwarded = call.headers;
  for (const name in forwarded) {
    const value = forwarded[name];
    if (typeof value === 'string') headers.push(name, value);
    else if (value !== undefined) for (const v of value) headers.push(name, v);
  }
  const chunks = call.body;
  if (chunks === undefined) return { method: call.method, path: call.path, headers, body: null };
  if (call.contentType !== '') headers.push('content-type', call.contentType);
  if (call.contentEncoding !== '') headers.push('content-encoding', call.contentEncoding);
  if (chunks.length <= 1) return { method: call.method, path: call.path, headers, body: chunks[0] ?? EMPTY };
  // Several chunks go as an iterable (undici writes each; lib/core/request.js accepts any iterable,
  // its types list only streams), with the length undici cannot know in advance.
  let size = 0;
  for (const c of chunks) size += c.length;
  headers.push('content-length', String(size));
  return { method: call.method, path: call.path, headers, body: chunks as Iterable<Buffer> as unknown as Readable };
}

type Controller = Dispatcher.DispatchController;

/** undici handler that collects the answer's chunks, with deadline and abort handling. */
class ReplyCollector<T> implements Dispatcher.DispatchHandler, DeadlineOwner {
  readonly #call: HttpCall;
  readonly #max: number;
  readonly #onReply: (reply: HttpReply) => T;
  readonly #resolve: (value: T) => void;
  readonly #reject: (err: unknown) => void;
  readonly #chunks: Buffer[] = [];
  /** appendChunk's mark. */
  #mark = 0;
  #size = 0;
  #status = 0;
  #contentType = '';
  #contentEncoding = '';
  #controller: Controller | undefined;
  #failure: EngineError | undefined;
  #deadline: Deadline | undefined;
  #done = false;
  #unlisten: (() => void) | undefined;

  constructor(call: HttpCall, max: number, deadlines: Deadlines, onReply: (reply: HttpReply) => T, resolve: (value: T) => void, reject: (err: unknown) => void) {
    this.#call = call;
    this.#max = max;
    this.#onReply = onReply;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#unlisten = call.signal.onAbort((reason) => this.#fail(engineError('CLIENT_CLOSED', `call to node "${call.node}" (${call.url}) aborted: ${abortReason(reason)}`)));
    if (this.#failure !== undefined) return;
    this.#deadline = deadlines.add(call.timeoutMs, this);
  }

  onDeadline(): void {
    const call = this.#call;
    this.#fail(engineError('CHILD_TIMEOUT', `node "${call.node}" did not answer ${call.method} ${call.url} within ${call.timeoutMs} ms`));
  }

  /** Records the failure and aborts the request; the rejection happens in onResponseError. */
  #fail(err: EngineError): void {
    if (this.#done || this.#failure !== undefined) return;
    this.#failure = err;
    if (this.#controller !== undefined) this.#controller.abort(err);
    else this.#finish(err);
  }

  #finish(result: EngineError | HttpReply): void {
    if (this.#done) return;
    this.#done = true;
    this.#deadline?.clear();
    this.#unlisten?.();
    if (result instanceof EngineError) {
      this.#reject(result);
      return;
    }
    let value: T;
    try {
      value = this.#onReply(result);
    } catch (err) {
      this.#reject(err);
      return;
    }
    this.#resolve(value);
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#failure !== undefined) controller.abort(this.#failure);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational: the real answer follows
    this.#status = statusCode;
    this.#contentType = firstHeader(headers['content-type']);
    this.#contentEncoding = firstHeader(headers['content-encoding']);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#max) {
      this.#failure = engineError('CHILD_BAD_RESPONSE', `node "${this.#call.node}" answered more than ${this.#max} bytes from ${this.#call.url}`);
      controller.abort(this.#failure);
      return;
    }
    this.#mark = appendChunk(this.#chunks, chunk, this.#mark);
  }

  onResponseEnd(): void {
    this.#finish({ status: this.#status, chunks: this.#chunks, contentType: this.#contentType, contentEncoding: this.#contentEncoding });
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.#finish(this.#failure ?? transportError(this.#call, error));
  }
}

function firstHeader(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function abortReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'the caller went away';
}

/** Maps an undici failure to CHILD_TIMEOUT or CHILD_UNREACHABLE, naming node, method and URL. */
function transportError(call: HttpCall, error: Error): EngineError {
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { message?: unknown } }).cause;
  const detail = [error.message, typeof cause?.message === 'string' ? cause.message : ''].filter((s) => s !== '').join(': ');
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return engineError('CHILD_TIMEOUT', `node "${call.node}": ${call.method} ${call.url} timed out (${detail})`);
  }
  return engineError('CHILD_UNREACHABLE', `node "${call.node}": ${call.method} ${call.url} failed: ${detail || String(code)}`);
}
