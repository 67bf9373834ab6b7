import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../../config/schema';
import { engineError, type EngineError } from '../../errors';
import type { Logger } from '../../telemetry/logger';
import { errorBody } from './respond';

/**
 * Answers what Node's HTTP server reports as `clientError` (a request it could not parse, headers
 * over its limit, a request not received within --headers_timeout or --request_timeout) with the
 * engine's JSON error and headers, where Node would write a bare status line with no body. Then
 * closes the connection at once, as Node does: its byte stream can no longer be trusted, and a
 * request still arriving on it must not go on to the graph.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket, config: Config, logger: Logger): void {
  if (err.code === 'ECONNRESET' || !socket.writable || answerStarted(socket)) {
    socket.destroy();
    return;
  }
  const error = clientErrorOf(err, config);
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
  // One write (a fresh socket takes it at once), then closed, as Node does with its bare answers.
  socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
  socket.destroy();
}

/**
 * True once an answer on this connection has begun (a pipelined request failed while the one before
 * it was being answered): then nothing more may be written. `_httpMessage` is the response Node's
 * server has in flight on the socket, which its own clientError handling checks the same way.
 */
function answerStarted(socket: Socket): boolean {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return inFlight?.headersSent === true;
}

function clientErrorOf(err: Error & { code?: string }, config: Config): EngineError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return engineError('REQUEST_TIMEOUT', `the request was not received within the time allowed (--headers_timeout ${config.headersTimeoutMs} ms for the headers, --request_timeout ${config.requestTimeoutMs} ms for all of it)`);
    case 'HPE_HEADER_OVERFLOW':
      return engineError('HEADERS_TOO_LARGE', `the request line and headers are larger than ${maxHeaderSize} bytes (node --max-http-header-size)`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return engineError('PAYLOAD_TOO_LARGE', 'the chunk extensions of the request body are larger than Node allows');
    default:
      return engineError('BAD_REQUEST', `the request is not valid HTTP/1.1: ${err.message}${err.code === undefined ? '' : ` (${err.code})`}`);
  }
}
