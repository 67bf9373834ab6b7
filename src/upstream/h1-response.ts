import { H1ResponseError, parseHead } from './h1-head';

export { H1ResponseError };

/**
 * An incremental parser for one HTTP/1.1 answer at a time (RFC 9112), fed socket reads as they come.
 * The head is read by h1-head.ts; 1xx answers are skipped; the body ends by length, by chunked coding
 * or at the connection's end. Anything malformed is an H1ResponseError, never a guess.
 */

/** What the parser reports, in order: onHead once, onBody any number of times, onEnd once. */
export interface ResponseSink {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** `reusable`: the connection may carry the next request (keep-alive, and nothing after the answer). */
  onEnd(reusable: boolean): void;
}

export interface ResponseHead {
  readonly status: number;
  /** '' when absent. */
  readonly contentType: string;
  /** '' when absent. */
  readonly contentEncoding: string;
  /** The server's `Keep-Alive: timeout=N` in ms, or undefined. */
  readonly keepAliveMs: number | undefined;
  /** The body's announced length (Content-Length without Transfer-Encoding), or undefined. */
  readonly contentLength: number | undefined;
}

/** Largest status line plus headers, as Node's own default (--max-http-header-size). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Largest chunk-size line, trailer section, or all chunk extensions of one answer (as Node's own). */
const MAX_LINE_BYTES = 16 * 1024;
/** Most 1xx answers before the real one: a child sending them without end would hold the call until its deadline. */
const MAX_INFORMATIONAL = 100;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  /** The answer is whole; onEnd not yet called (it needs to know whether bytes follow). */
  Complete,
  Done,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A chunk-size line without its CRLF: the size, then optional whitespace and extensions (RFC 9112 7.1.1). */
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,12})(?:[ \t]*;.*)?$/;

export class ResponseParser {
  readonly #sink: ResponseSink;
  #state = State.Head;
  /** Head bytes (or a chunk-size line, or trailers) split across reads. */
  #pending: Buffer | undefined;
  /** Body bytes still to come (Length), or of the current chunk (ChunkData). */
  #remaining = 0;
  /** Bytes of the chunk-size CRLF seen so far (ChunkDataEnd). */
  #crlfSeen = 0;
  #reusable = true;
  #sawBytes = false;
  #trailerBytes = 0;
  #extensionBytes = 0;
  #informational = 0;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  /** Whether any byte of the answer has arrived (a connection closed before that never answered). */
  get started(): boolean {
    return this.#sawBytes;
  }

  get done(): boolean {
    return this.#state === State.Done;
  }

  /** Feeds one read. Bytes after the end of the answer make the connection not reusable. */
  execute(data: Buffer): void {
    if (data.length > 0) this.#sawBytes = true;
    let chunk = data;
    while (chunk.length > 0 && this.#state < State.Complete) {
      switch (this.#state) {
        case State.Head:
          chunk = this.#head(chunk);
          break;
        case State.Length:
          chunk = this.#body(chunk);
          if (this.#remaining === 0) this.#end();
          break;
        case State.ChunkSize:
        case State.Trailers:
          chunk = this.#line(chunk);
          break;
        case State.ChunkData:
          chunk = this.#body(chunk);
          if (this.#remaining === 0) {
            this.#state = State.ChunkDataEnd;
            this.#crlfSeen = 0;
          }
          break;
        case State.ChunkDataEnd: {
          const expected = this.#crlfSeen === 0 ? 13 : 10;
          if (chunk[0] !== expected) throw new H1ResponseError('chunk data not followed by CRLF');
          chunk = chunk.subarray(1);
          if (++this.#crlfSeen === 2) this.#state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.#sink.onBody(chunk);
          return;
      }
    }
    // We never pipeline, so bytes past the answer are the server's mistake: do not reuse the connection.
    if (chunk.length > 0) this.#reusable = false;
    if (this.#state === State.Complete) {
      this.#state = State.Done;
      this.#sink.onEnd(this.#reusable);
    }
  }

  /**
   * The connection ended. Returns true when that completes the answer (a body delimited by the
   * connection's end); false when the answer was already complete; throws when it was cut short.
   */
  finish(): boolean {
    if (this.#state === State.Done) return false;
    if (this.#state === State.UntilClose) {
      this.#state = State.Done;
      this.#sink.onEnd(false);
      return true;
    }
    throw new H1ResponseError(this.#sawBytes ? 'the connection closed in the middle of the answer' : 'the connection closed before any answer');
  }

  /** Hands on up to #remaining body bytes of `chunk`; returns the bytes after them. */
  #body(chunk: Buffer): Buffer {
    const n = Math.min(this.#remaining, chunk.length);
    this.#remaining -= n;
    this.#sink.onBody(n === chunk.length ? chunk : chunk.subarray(0, n));
    return chunk.subarray(n);
  }

  #end(): void {
    this.#state = State.Complete;
  }

  /** Collects the head; parses it once whole. Returns the bytes after it. */
  #head(chunk: Buffer): Buffer {
    let buf = chunk;
    let from = 0;
    const pending = this.#pending;
    if (pending !== undefined) {
      buf = Buffer.concat([pending, chunk]);
      from = Math.max(0, pending.length - 3);
    }
    const end = buf.indexOf(CRLFCRLF, from);
    if (end === -1) {
      // + 3: the first bytes of a CRLFCRLF that ends a head of exactly MAX_HEAD_BYTES may be here.
      if (buf.length > MAX_HEAD_BYTES + 3) throw new H1ResponseError(`answer headers larger than ${MAX_HEAD_BYTES} bytes`);
      // A head with bare LF line ends would never end: refuse it now rather than at the deadline.
      if (hasBareLf(buf, from)) throw new H1ResponseError('a line of the answer head ends without CR');
      this.#pending = pending === undefined ? Buffer.from(chunk) : buf; // copied: the read's buffer may be reused
      return EMPTY;
    }
    if (end > MAX_HEAD_BYTES) throw new H1ResponseError(`answer headers larger than ${MAX_HEAD_BYTES} bytes`);
    this.#pending = undefined;
    this.#parseHead(buf.toString('latin1', 0, end));
    return buf.subarray(end + 4);
  }

  #parseHead(text: string): void {
    const head = parseHead(text);
    const { status, contentLength, transferEncoding } = head;
    if (status < 200) {
      if (status === 101) throw new H1ResponseError('101 Switching Protocols, but no upgrade was asked for');
      if (++this.#informational > MAX_INFORMATIONAL) throw new H1ResponseError(`more than ${MAX_INFORMATIONAL} informational (1xx) answers`);
      return; // 1xx informational: the real answer follows (#state stays Head)
    }
    // We send no TE header, so chunked is the only transfer coding a child may use (RFC 9112 6.1).
    if (transferEncoding !== undefined && transferEncoding.replace(/[ \t]/g, '') !== 'chunked') {
      throw new H1ResponseError(`Transfer-Encoding ${JSON.stringify(transferEncoding.slice(0, 80))}: only chunked is read`);
    }
    const noBody = status === 204 || status === 304;
    const announced = transferEncoding === undefined && !noBody ? contentLength : undefined;
    this.#sink.onHead({ status, contentType: head.contentType, contentEncoding: head.contentEncoding, keepAliveMs: head.keepAliveMs, contentLength: announced });
    this.#reusable = head.keepAlive;
    if (noBody) {
      this.#end();
    } else if (transferEncoding !== undefined) {
      // RFC 9112 6.3: with Transfer-Encoding, Content-Length is ignored and the connection not reused.
      if (contentLength !== undefined) this.#reusable = false;
      this.#state = State.ChunkSize;
    } else if (contentLength !== undefined) {
      this.#remaining = contentLength;
      if (contentLength === 0) this.#end();
      else this.#state = State.Length;
    } else {
      this.#reusable = false;
      this.#state = State.UntilClose;
    }
  }

  /** Collects one CRLF-ended line (chunk size, or a trailer) and acts on it. Returns the bytes after it. */
  #line(chunk: Buffer): Buffer {
    const nl = chunk.indexOf(10);
    if (nl === -1) {
      const pending = this.#pending === undefined ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
      if (pending.length > MAX_LINE_BYTES) throw new H1ResponseError(`chunked line longer than ${MAX_LINE_BYTES} bytes`);
      this.#pending = pending;
      return EMPTY;
    }
    let line = chunk.toString('latin1', 0, nl + 1);
    if (this.#pending !== undefined) {
      line = this.#pending.toString('latin1') + line;
      this.#pending = undefined;
    }
    if (line.length > MAX_LINE_BYTES) throw new H1ResponseError(`chunked line longer than ${MAX_LINE_BYTES} bytes`);
    if (!line.endsWith('\r\n')) throw new H1ResponseError('chunked line not ended by CRLF');
    const text = line.slice(0, -2);
    if (this.#state === State.Trailers) {
      this.#trailerBytes += line.length;
      if (this.#trailerBytes > MAX_LINE_BYTES) throw new H1ResponseError(`trailers larger than ${MAX_LINE_BYTES} bytes`);
      if (text === '') this.#end();
      return chunk.subarray(nl + 1);
    }
    const sizeLine = CHUNK_SIZE_LINE.exec(text);
    if (sizeLine === null) throw new H1ResponseError(`bad chunk size line ${JSON.stringify(text.slice(0, 80))}`);
    const size = sizeLine[1] as string;
    // Everything after the digits counts, so padding cannot make framing grow without bound.
    this.#extensionBytes += text.length - size.length;
    if (this.#extensionBytes > MAX_LINE_BYTES) throw new H1ResponseError(`chunk extensions larger than ${MAX_LINE_BYTES} bytes`);
    this.#remaining = Number.parseInt(size, 16);
    this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
    return chunk.subarray(nl + 1);
  }
}

const EMPTY = Buffer.alloc(0);

/** Whether `buf` holds an LF not preceded by CR, looking from `from`. */
function hasBareLf(buf: Buffer, from: number): boolean {
  for (let at = buf.indexOf(10, from); at !== -1; at = buf.indexOf(10, at + 1)) {
    if (at === 0 || buf[at - 1] !== 13) return true;
  }
  return false;
}
