import { engineError, EngineError } from '../errors';
import type { CancelSignal } from '../graph/cancel';
import { appendChunk } from '../message/chunks';
import { Deadlines, type Deadline, type DeadlineOwner } from '../graph/deadlines';
import { H1Pool, type H1Exchange, type H1FailureKind, type H1Handler } from './h1-pool';
import type { ResponseHead } from './h1-response';
import { isForwardable } from './headers';

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
 * REST child calls: one keep-alive connection pool per child (h1-pool.ts), made when the graph is
 * compiled. Every call has a deadline and follows the caller's cancellation.
 */
export class HttpUpstream {
  readonly #pools = new Map<string, H1Pool>();
  /** Per-call deadlines, cheaper than a timer per call (see deadlines.ts). */
  readonly #deadlines = new Deadlines();
  readonly #options: HttpUpstreamOptions;

  constructor(options: HttpUpstreamOptions) {
    this.#options = options;
  }

  /** The pool for a child (host name or IP, and port), created on first use; call at graph load. */
  pool(host: string, port: number): H1Pool {
    const key = `${host} ${port}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new H1Pool(host, port, { connectTimeoutMs: this.#options.connectTimeoutMs, keepAliveMs: KEEP_ALIVE_MS });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Sends one request and resolves with what `onReply` makes of the child's answer (any status);
   * rejects with an EngineError, or with what `onReply` throws. `onReply` runs as the answer ends,
   * so a call costs one promise, not two.
   */
  request<T>(pool: H1Pool, call: HttpCall, onReply: (reply: HttpReply) => T): Promise<T> {
    const deadlines = this.#deadlines;
    return new Promise<T>((resolve, reject) => {
      const collector = new ReplyCollector(call, this.#options.maxResponseBytes, deadlines, onReply, resolve, reject);
      if (collector.settled) return;
      let head: string;
      try {
        head = requestHead(call, pool.authority);
      } catch (err) {
        collector.fail(err instanceof EngineError ? err : engineError('INTERNAL', `request to node "${call.node}" could not be written: ${String(err)}`));
        return;
      }
      collector.sent(pool.send(head, call.body, collector));
    });
  }

  /** Closes the pools once their calls have ended (each still bound by its deadline), then the deadline timers. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
    this.#deadlines.close();
  }
}

/** Idle child connections close after this (sooner when the child's Keep-Alive header says so). */
const KEEP_ALIVE_MS = 30_000;
/** What may not appear in a header value: it would end the header and start another. */
const LINE_BREAK = /[\r\n\0]/;

/**
 * The request line and headers. The names come from Node's parsers (HTTP/1 or HTTP/2), which
 * allow only tokens; values are checked once more for line breaks, so no caller can add a header.
 */
function requestHead(call: HttpCall, authority: string): string {
  let head = `${call.method} ${call.path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  const forwarded = call.headers;
  for (const name in forwarded) {
    // A gRPC caller's metadata may carry host, content-length or expect: this request's own are written here.
    if (!isForwardable(name)) continue;
    const value = forwarded[name];
    if (typeof value === 'string') head += headerLine(name, value);
    else if (value !== undefined) for (const v of value) head += headerLine(name, v);
  }
  const chunks = call.body;
  if (chunks === undefined) return `${head}\r\n`;
  if (call.contentType !== '') head += headerLine('content-type', call.contentType);
  if (call.contentEncoding !== '') head += headerLine('content-encoding', call.contentEncoding);
  let size = 0;
  for (const c of chunks) size += c.length;
  return `${head}content-length: ${size}\r\n\r\n`;
}

function headerLine(name: string, value: string): string {
  if (LINE_BREAK.test(value)) throw engineError('BAD_REQUEST', `header "${name}" cannot be sent to a child: its value holds a line break or NUL`);
  return `${name}: ${value}\r\n`;
}

/** Collects one child answer's chunks, with deadline and cancellation. */
class ReplyCollector<T> implements H1Handler, DeadlineOwner {
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
  #exchange: H1Exchange | undefined;
  #deadline: Deadline | undefined;
  #done = false;
  #unlisten: (() => void) | undefined;

  constructor(call: HttpCall, max: number, deadlines: Deadlines, onReply: (reply: HttpReply) => T, resolve: (value: T) => void, reject: (err: unknown) => void) {
    this.#call = call;
    this.#max = max;
    this.#onReply = onReply;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#unlisten = call.signal.onAbort((reason) => this.fail(engineError('CLIENT_CLOSED', `call to node "${call.node}" (${call.url}) aborted: ${abortReason(reason)}`)));
    if (this.#done) return;
    this.#deadline = deadlines.add(call.timeoutMs, this);
  }

  /** True when the call failed before it was sent (the caller had already gone). */
  get settled(): boolean {
    return this.#done;
  }

  /** The request is out; `exchange` aborts it. */
  sent(exchange: H1Exchange): void {
    if (this.#done) exchange.abort();
    else this.#exchange = exchange;
  }

  onDeadline(): void {
    const call = this.#call;
    this.fail(engineError('CHILD_TIMEOUT', `node "${call.node}" did not answer ${call.method} ${call.url} within ${call.timeoutMs} ms`));
  }

  /** Ends the call with `err`, dropping its connection. */
  fail(err: EngineError): void {
    if (this.#done) return;
    this.#exchange?.abort();
    this.#finish(err);
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

  onHead(head: ResponseHead): void {
    if (head.contentLength !== undefined && head.contentLength > this.#max) {
      this.fail(engineError('CHILD_BAD_RESPONSE', `node "${this.#call.node}" announced an answer of ${head.contentLength} bytes from ${this.#call.url}, more than the ${this.#max} allowed`));
      return;
    }
    this.#status = head.status;
    this.#contentType = head.contentType;
    this.#contentEncoding = head.contentEncoding;
  }

  onBody(chunk: Buffer): void {
    if (this.#done) return;
    this.#size += chunk.length;
    if (this.#size > this.#max) {
      this.fail(engineError('CHILD_BAD_RESPONSE', `node "${this.#call.node}" answered more than ${this.#max} bytes from ${this.#call.url}`));
      return;
    }
    this.#mark = appendChunk(this.#chunks, chunk, this.#mark);
  }

  onEnd(): void {
    this.#finish({ status: this.#status, chunks: this.#chunks, contentType: this.#contentType, contentEncoding: this.#contentEncoding });
  }

  onError(kind: H1FailureKind, message: string): void {
    this.#finish(transportError(this.#call, kind, message));
  }
}

function abortReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'the caller went away';
}

/** Names node, method and URL in a transport failure. */
function transportError(call: HttpCall, kind: H1FailureKind, message: string): EngineError {
  const what = `node "${call.node}": ${call.method} ${call.url}`;
  if (kind === 'connect-timeout') return engineError('CHILD_TIMEOUT', `${what} timed out (${message})`);
  if (kind === 'bad-response') return engineError('CHILD_BAD_RESPONSE', `${what} answered bytes that are not HTTP/1.1: ${message}`);
  if (kind === 'internal') return engineError('INTERNAL', `${what}: reading the answer failed: ${message}`);
  return engineError('CHILD_UNREACHABLE', `${what} failed: ${message}`);
}
