import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { GRPC } from '../../errors';
import { Cancel, type CancelSignal } from '../../graph/cancel';
import type { Deadline, DeadlineOwner, Deadlines } from '../../graph/deadlines';
import { chunksLength } from '../../message/chunks';
import { CallStatus, FrameDecoder, frameMessage, type Frame } from './h2-frames';

/** Send and receive limits of every call (`seldon.io/grpc-max-message-size`). */
export interface MessageLimits {
  readonly receive: number;
  readonly send: number;
}

/** Headers of every answer, as grpc-js servers send them. */
export const RESPONSE_HEADERS: Readonly<OutgoingHttpHeaders> = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};
const OK_TRAILERS: Readonly<OutgoingHttpHeaders> = { 'grpc-status': '0', 'grpc-message': 'OK' };
/** Above this, the prefix and the answer are written separately rather than copied into one buffer. */
const COPY_LIMIT = 16 * 1024;

/**
 * One unary call on a raw HTTP/2 stream, from the request message on: the handler answers with `ok`
 * or `fail`, once. `signal` aborts when the caller cancels (RST_STREAM, connection lost) or the
 * call's deadline (`grpc-timeout`) passes; the caller then gets DEADLINE_EXCEEDED, as from grpc-js.
 */
export class UnaryCall implements DeadlineOwner {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The caller's deadline (epoch ms), if it sent `grpc-timeout`. */
  readonly deadline: number | undefined;
  /** The request message as the chunks it arrived in (see message/chunks.ts). */
  readonly request: readonly Buffer[];
  readonly #stream: ServerHttp2Stream;
  readonly #cancel = new Cancel();
  readonly #sendLimit: number;
  #deadline: Deadline | undefined;
  #done = false;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, request: readonly Buffer[], deadline: number | undefined, sendLimit: number, deadlines: Deadlines) {
    this.path = headers[':path'] ?? '';
    this.headers = headers;
    this.deadline = deadline;
    this.request = request;
    this.#stream = stream;
    this.#sendLimit = sendLimit;
    // A deadline list rather than a setTimeout per call (see graph/deadlines.ts).
    if (deadline !== undefined) this.#deadline = deadlines.add(Math.max(0, deadline - Date.now()), this);
    stream.once('close', () => {
      if (this.#finish()) this.#cancel.abort(new Error('the gRPC caller cancelled the call'));
    });
  }

  get signal(): CancelSignal {
    return this.#cancel;
  }

  /** Sends the answer with status OK (unless the call already ended): one Buffer, or chunks written as they are. */
  ok(message: Buffer | readonly Buffer[], headers?: OutgoingHttpHeaders): void {
    const chunks = Buffer.isBuffer(message) ? [message] : message;
    const length = chunksLength(chunks);
    if (length > this.#sendLimit) {
      this.fail(GRPC.RESOURCE_EXHAUSTED, `Sent message larger than max (${length + 5} vs. ${this.#sendLimit})`, headers);
      return;
    }
    if (!this.#finish()) return;
    const stream = this.#stream;
    // Reset or broken under us, its 'close' not emitted yet: respond() would throw.
    if (stream.destroyed || stream.closed) return;
    stream.respond(headers === undefined ? RESPONSE_HEADERS : { ...RESPONSE_HEADERS, ...headers }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
    const prefix = Buffer.allocUnsafe(length <= COPY_LIMIT ? 5 + length : 5);
    prefix[0] = 0;
    prefix.writeUInt32BE(length, 1);
    if (length <= COPY_LIMIT) {
      let at = 5;
      for (const c of chunks) at += c.copy(prefix, at);
      stream.end(prefix);
    } else {
      // Corked: the prefix and every chunk go to HTTP/2 in one writev, not joined into one buffer.
      stream.cork();
      stream.write(prefix);
      for (const c of chunks) if (c.length > 0) stream.write(c);
      stream.end();
    }
  }

  /**
   * Ends the call with a status. With `headers`, they go out first and the status in trailers (a
   * client sees them as response metadata); without, as a trailers-only answer.
   */
  fail(code: number, details: string, headers?: OutgoingHttpHeaders): void {
    if (!this.#finish()) return;
    sendStatus(this.#stream, code, details, headers);
  }

  /** The caller's deadline passed. */
  onDeadline(): void {
    if (!this.#finish()) return;
    sendStatus(this.#stream, GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded');
    this.#cancel.abort(new Error('the gRPC caller\'s deadline passed'));
  }

  /** Marks the call ended; false when it already was. */
  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#deadline?.clear();
    return true;
  }
}

/** Ends a stream with a gRPC status (trailers-only unless `headers` are to be sent first). */
export function sendStatus(stream: ServerHttp2Stream, code: number, details: string, headers?: OutgoingHttpHeaders): void {
  if (stream.destroyed || stream.closed) return;
  const status = { 'grpc-status': String(code), 'grpc-message': encodeURI(details) };
  if (stream.headersSent) {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  } else if (headers === undefined) {
    stream.respond({ ...RESPONSE_HEADERS, ...status }, { endStream: true });
  } else {
    stream.respond({ ...RESPONSE_HEADERS, ...headers }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(status));
    stream.end();
  }
  // What the caller may still be sending is read and dropped, so flow control never stalls the connection.
  stream.resume();
}

/** A unary method: bytes in, and an answer through the call. */
export type UnaryHandler = (call: UnaryCall) => void;

/**
 * Reads the request of a unary call (exactly one message, within the receive limit), then starts it.
 * A request that cannot be read gets the status grpc-js gives it.
 */
export function receiveUnary(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, limits: MessageLimits, deadlines: Deadlines, handler: UnaryHandler): void {
  let deadline: number | undefined;
  const timeout = headers['grpc-timeout'];
  if (timeout !== undefined) {
    deadline = parseTimeout(timeout);
    if (deadline === undefined) {
      sendStatus(stream, GRPC.INTERNAL, `Invalid grpc-timeout value "${timeout}"`);
      return;
    }
  }
  const decoder = new FrameDecoder(limits.receive);
  const frames: Frame[] = [];
  let failed = false;
  stream.on('data', (chunk: Buffer) => {
    if (failed) return;
    try {
      decoder.push(chunk, frames);
    } catch (err) {
      failed = true;
      const status = err as CallStatus;
      sendStatus(stream, status.code, status.message);
      return;
    }
    // Any byte past the one message starts a second: refused now, not held until the caller ends
    // the stream (a caller sending empty messages without end would otherwise fill the heap).
    if (frames.length > 1 || (frames.length === 1 && decoder.pending > 0)) {
      failed = true;
      sendStatus(stream, GRPC.UNIMPLEMENTED, secondMessage(headers));
    }
  });
  stream.once('end', () => {
    if (failed) return;
    const path = headers[':path'] ?? '';
    const first = frames[0];
    if (first === undefined || decoder.pending > 0) {
      sendStatus(stream, GRPC.UNIMPLEMENTED, `Received no request message for server streaming method ${path}`);
    } else {
      let request: readonly Buffer[];
      try {
        request = frameMessage(first, headers['grpc-encoding'] as string | undefined, limits.receive);
      } catch (err) {
        const status = err as CallStatus;
        sendStatus(stream, status.code, status.message);
        return;
      }
      handler(new UnaryCall(stream, headers, request, deadline, limits.send, deadlines));
    }
  });
}

/** grpc-js's wording. */
function secondMessage(headers: IncomingHttpHeaders): string {
  return `Received a second request message for server streaming method ${headers[':path'] ?? ''}`;
}

const TIMEOUT = /^(\d{1,8})\s*([HMSmun])$/;
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** `grpc-timeout` as an absolute deadline (epoch ms); undefined when malformed. */
export function parseTimeout(value: string | string[]): number | undefined {
  const match = TIMEOUT.exec(Array.isArray(value) ? value[0] ?? '' : value);
  if (match === null) return undefined;
  return Date.now() + Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
