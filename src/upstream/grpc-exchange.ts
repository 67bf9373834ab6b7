import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader, type OutgoingHttpHeaders } from 'node:http2';
import { GRPC } from '../errors';
import { appendChunk, byteAt, chunksLength, sliceChunks, uint32At } from '../message/chunks';
import { grpcMessage } from './grpc-headers';

/**
 * One unary gRPC exchange on a raw HTTP/2 stream (gRPC over HTTP/2 spec): a length-prefixed request
 * message out, one length-prefixed answer and a status in. Transport failures become the statuses
 * grpc-js reports for them (`subchannel-call.ts`), so callers see the same codes as before.
 */

/** How an exchange ended. */
export interface UnaryResult {
  /** The child's gRPC status (0..16, see parseGrpcStatus), or the one a transport failure stands for. */
  readonly code: number;
  readonly details: string;
  /** The answer message (code OK only), as the chunks it arrived in (see message/chunks.ts). */
  readonly body?: readonly Buffer[];
  /** The child broke the protocol (bad frame, message count, no or malformed status): its fault, not a status it chose. */
  readonly malformed?: true;
  /** The child never processed the call (refused stream, GOAWAY before it): safe to send again. */
  readonly refused?: true;
}

/** Ends an exchange early (the caller went away, the deadline passed): the child sees RST_STREAM CANCEL. */
export type CancelExchange = (code: number, details: string) => void;

/** Length prefix of a gRPC message: 1 byte compressed flag, 4 bytes big-endian length. */
const PREFIX = 5;
/** Above this, the prefix and the message are written separately rather than copied into one buffer. */
const COPY_LIMIT = 16 * 1024;

/**
 * Starts the exchange; `done` is called exactly once. `message` is one Buffer or the chunks of one
 * message, written as they are. The answer is refused as soon as its length prefix says it is larger
 * than `maxBytes` (grpc-js's RESOURCE_EXHAUSTED and wording).
 */
export function exchangeUnary(session: ClientHttp2Session, headers: OutgoingHttpHeaders, message: Buffer | readonly Buffer[], maxBytes: number, done: (result: UnaryResult) => void): CancelExchange {
  let stream: ClientHttp2Stream;
  try {
    stream = session.request(headers);
  } catch (err) {
    // A destroyed or closing session, or its stream ids ran out: the connection is gone for us.
    done({ code: GRPC.UNAVAILABLE, details: (err as Error).message, refused: true });
    return noop;
  }
  let finished = false;
  let httpStatus = 0;
  let status: number | undefined;
  /** The child's `grpc-status` when it is not a status (see parseGrpcStatus), quoted for the error. */
  let badStatus: string | undefined;
  let details = '';
  let streamError: (Error & { code?: string }) | undefined;
  const chunks: Buffer[] = [];
  /** appendChunk's mark. */
  let mark = 0;
  let received = 0;
  let declared = -1;

  const finish = (result: UnaryResult): void => {
    if (finished) return;
    finished = true;
    done(result);
  };
  const cancel: CancelExchange = (code, why) => {
    finish({ code, details: why });
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  };
  const readStatus = (h: IncomingHttpHeaders): void => {
    const s = h['grpc-status'];
    if (s === undefined) return;
    status = parseGrpcStatus(s);
    badStatus = status === undefined ? quoted(s) : undefined;
    details = grpcMessage(h['grpc-message']);
  };

  stream.on('response', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
    httpStatus = h[':status'] ?? 0;
    readStatus(h); // trailers-only answer: the status comes with the headers
  });
  stream.on('data', (chunk: Buffer) => {
    if (finished) return;
    mark = appendChunk(chunks, chunk, mark);
    received += chunk.length;
    if (declared < 0 && received >= PREFIX) {
      declared = uint32At(chunks, 1);
      if (declared > maxBytes) {
        cancel(GRPC.RESOURCE_EXHAUSTED, `Received message larger than max (${declared} vs ${maxBytes})`);
        return;
      }
    }
    // Bytes past the one message are refused now, not held until the child ends its answer.
    if (declared >= 0 && received > PREFIX + declared) {
      finish(readAnswer(chunks, received));
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    }
  });
  stream.on('trailers', readStatus);
  stream.on('error', (err: Error) => {
    streamError = err;
  });
  stream.on('close', () => {
    if (finished) return;
    if (status !== undefined) finish(status === GRPC.OK ? readAnswer(chunks, received) : { code: status, details });
    else if (badStatus !== undefined) finish(malformed(`answered a malformed grpc-status ${badStatus}`));
    else finish(noStatus(stream.rstCode, httpStatus, streamError));
  });

  writeMessage(stream, Buffer.isBuffer(message) ? [message] : message);
  return cancel;
}

/** Writes one message (prefix, then the chunks) and ends the request. */
function writeMessage(stream: ClientHttp2Stream, chunks: readonly Buffer[]): void {
  const length = chunksLength(chunks);
  if (length <= COPY_LIMIT) {
    const frame = Buffer.allocUnsafe(PREFIX + length);
    writePrefix(frame, length);
    let at = PREFIX;
    for (const c of chunks) at += c.copy(frame, at);
    stream.end(frame);
  } else {
    const prefix = Buffer.allocUnsafe(PREFIX);
    writePrefix(prefix, length);
    // Corked: the prefix and every chunk go to HTTP/2 in one writev, not joined into one buffer.
    stream.cork();
    stream.write(prefix);
    for (const c of chunks) if (c.length > 0) stream.write(c);
    stream.end();
  }
}

function writePrefix(buf: Buffer, length: number): void {
  buf[0] = 0;
  buf.writeUInt32BE(length, 1);
}

/**
 * What the data of an answer with status OK stands for: it must be exactly one uncompressed message,
 * kept as the chunks it arrived in (its prefix may span chunks too). `received` is their total length.
 */
export function readAnswer(chunks: readonly Buffer[], received: number): UnaryResult {
  if (received === 0) return malformed('answered OK with no message');
  if (received < PREFIX) return malformed(`answered a truncated message (${received} bytes)`);
  const flag = byteAt(chunks, 0);
  const length = uint32At(chunks, 1);
  // We send no grpc-accept-encoding, so a compliant child never compresses.
  if (flag !== 0) return malformed(flag === 1 ? 'answered a compressed message, which was not asked for' : `answered a message with flag byte ${flag}`);
  if (received < PREFIX + length) return malformed(`answered a truncated message (${received - PREFIX} of ${length} bytes)`);
  if (received > PREFIX + length) return malformed('answered more than one message to a unary call');
  return { code: GRPC.OK, details: '', body: sliceChunks(chunks, PREFIX, received) };
}

/** Highest status code the gRPC spec defines (UNAUTHENTICATED). */
const MAX_KNOWN_CODE = 16;
/** `Status = "grpc-status" 1*DIGIT` (gRPC over HTTP/2 spec): no sign, point, exponent, hex or blanks. */
const STATUS_DIGITS = /^[0-9]+$/;

/**
 * The one reading of a child's `grpc-status`. Number() alone took '' as 0 (OK) and passed on NaN,
 * -1 or 0.5, which then reached callers and the metrics `code` label. A value that is not 1*DIGIT
 * (or is sent twice) is undefined: the child broke the protocol, as grpc-go's "malformed
 * grpc-status". A well-formed code the spec does not define is UNKNOWN, as the spec has clients do.
 */
export function parseGrpcStatus(value: string | string[]): number | undefined {
  if (typeof value !== 'string' || !STATUS_DIGITS.test(value)) return undefined;
  const code = Number(value);
  return code <= MAX_KNOWN_CODE ? code : GRPC.UNKNOWN;
}

/** A child's header value for an error message: JSON-quoted (control bytes escaped) and cut short, as the child picks its length. */
function quoted(value: string | string[]): string {
  const text = typeof value === 'string' ? value : value.join(', ');
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 32)}...` : text);
}

function malformed(details: string): UnaryResult {
  return { code: GRPC.INTERNAL, details, malformed: true };
}

/** grpc-js `mapHttpStatusCode`: a non-200 answer without a gRPC status. */
function httpStatusCode(status: number): number {
  switch (status) {
    case 400: return GRPC.INTERNAL;
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return GRPC.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return GRPC.UNAVAILABLE;
    default: return GRPC.UNKNOWN;
  }
}

/** The stream closed without a gRPC status: what grpc-js reports for each way that happens. */
function noStatus(rstCode: number | undefined, httpStatus: number, error: (Error & { code?: string }) | undefined): UnaryResult {
  if (httpStatus !== 0 && httpStatus !== 200) return { code: httpStatusCode(httpStatus), details: `Received HTTP status code ${httpStatus}` };
  // The connection failed or went away under the stream (refused, reset, GOAWAY, session error).
  if (error !== undefined && error.code !== 'ERR_HTTP2_STREAM_ERROR') {
    return error.code === 'ERR_HTTP2_GOAWAY_SESSION' ? { code: GRPC.UNAVAILABLE, details: error.message, refused: true } : { code: GRPC.UNAVAILABLE, details: error.message };
  }
  switch (rstCode) {
    case constants.NGHTTP2_NO_ERROR: return malformed('Received RST_STREAM with code 0 (Call ended without gRPC status)');
    case constants.NGHTTP2_REFUSED_STREAM: return { code: GRPC.UNAVAILABLE, details: 'Stream refused by server', refused: true };
    // We did not cancel (that finishes first): Node reports CANCEL for streams of a dropped session.
    case constants.NGHTTP2_CANCEL: return { code: GRPC.UNAVAILABLE, details: 'Connection dropped' };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM: return { code: GRPC.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
    case constants.NGHTTP2_INADEQUATE_SECURITY: return { code: 7, details: 'Protocol not secure enough' };
    case constants.NGHTTP2_INTERNAL_ERROR: return { code: GRPC.INTERNAL, details: `Received RST_STREAM with code ${rstCode} (Internal server error)` };
    default: return { code: GRPC.INTERNAL, details: `Received RST_STREAM with code ${rstCode ?? 'unknown'}` };
  }
}

function noop(): void {
  // The exchange never started: nothing to cancel.
}
