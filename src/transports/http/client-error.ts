import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../../config/schema';
import { engineError, type EngineError } from '../../errors';
import type { Logger } from '../../telemetry/logger';
import { errorBody } from './respond';

/** How long a connection closed after an answer may take to flush it before it is cut. */
const FLUSH_MS = 2_000;

/** Node's server: the response in flight on a connection, if any (what its own handling checks). */
type ServerSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * The server's `clientError` handler: answers what Node reports there (a request it could not
 * parse, headers over its limit, a request not received within --headers_timeout or
 * --request_timeout) with the engine's JSON error and headers, where Node would write a bare status
 * line with no body, then closes the connection, as Node does: its byte stream can no longer be
 * trusted. One difference: when the bad bytes follow a complete request that is still being
 * answered (pipelining), that answer is finished first instead of cut off with the connection.
 */
export function clientErrorHandler(config: Config, logger: Logger): (err: Error & { code?: string }, socket: Socket) => void {
  // Node reports the error again for each later chunk on the same connection: answered once.
  const refused = new WeakSet<Socket>();
  return (err, socket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const inFlight = (socket as ServerSocket)._httpMessage;
    const answer = (): Buffer => refusal(clientErrorOf(err, config), config, logger);
    if (inFlight !== undefined && inFlight !== null && err.code !== 'ERR_HTTP_REQUEST_TIMEOUT' && inFlight.req?.complete === true) {
      // Whole requests before the bad bytes: their answers go out, then the refusal.
      afterAnswers(socket as ServerSocket, () => closeAfter(socket, answer()));
      return;
    }
    if (inFlight?.headersSent === true) {
      socket.destroy(); // an answer has begun: nothing more may be written
      return;
    }
    // One write (a fresh socket takes it at once), then closed, as Node does with its bare answers.
    socket.write(answer());
    socket.destroy();
  };
}

/**
 * The server's `connect` handler: Node hands a CONNECT request (a proxy tunnel) to it and closes the
 * connection with no answer when there is none. The engine is no proxy: 405, then closed.
 */
export function refuseConnect(socket: Socket, config: Config, logger: Logger): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  closeAfter(socket, refusal(engineError('METHOD_NOT_ALLOWED', 'CONNECT is not allowed: the engine is not a proxy'), config, logger));
}

/**
 * Calls `then` once no answer is in flight on the socket. Node queues the answers to pipelined
 * requests and attaches the next one when the one before finishes (its own `finish` listener runs
 * first), so after each `finish` the socket is looked at again. An answer that closes unfinished
 * (the client went away) ends the connection.
 */
function afterAnswers(socket: ServerSocket, then: () => void): void {
  const current = socket._httpMessage;
  if (current === undefined || current === null || current.writableFinished) {
    then();
    return;
  }
  current.once('finish', () => afterAnswers(socket, then));
  current.once('close', () => {
    if (!current.writableFinished) socket.destroy();
  });
}

/** Writes the last bytes of a connection and closes it once they are out (cut after FLUSH_MS). */
function closeAfter(socket: Socket, bytes: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(bytes);
  const timer = setTimeout(() => socket.destroy(), FLUSH_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The whole answer (status line, Seldon's headers, JSON body) to a refused request; logs it. */
function refusal(error: EngineError, config: Config, logger: Logger): Buffer {
  const puid = randomUUID();
  logger.info('request refused', { puid, code: error.code, status: error.httpStatus, error: error.message });
  const body = errorBody(error.httpStatus, error.message, error.code);
  const head = [
    `HTTP/1.1 ${error.httpStatus} ${STATUS_CODES[error.httpStatus] ?? ''}`,
    `Seldon-Puid: ${puid}`,
    'X-Content-Type-Options: nosniff',
    `Access-Control-Allow-Origin: ${config.corsAllowedOrigins}`,
    `Access-Control-Allow-Headers: ${config.corsAllowedHeaders}`,
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function clientErrorOf(err: Error & { code?: string }, config: Config): EngineError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return engineError('REQUEST_TIMEOUT', `the request was not received within the time allowed (--headers_timeout ${config.headersTimeoutMs} ms for the headers, --request_timeout ${config.requestTimeoutMs} ms for all of it)`);
    case 'HPE_HEADER_OVERFLOW':
      return engineError('HEADERS_TOO_LARGE', `the request line and headers are larger than ${maxHeaderSize} bytes (node --max-http-header-size)`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return engineError('BAD_REQUEST', 'the chunk extensions of the request body are larger than Node allows (HPE_CHUNK_EXTENSIONS_OVERFLOW)');
    default:
      return engineError('BAD_REQUEST', `the request is not valid HTTP/1.1: ${err.message}${err.code === undefined ? '' : ` (${err.code})`}`);
  }
}
