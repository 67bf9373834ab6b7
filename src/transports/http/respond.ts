import type { ServerResponse } from 'node:http';
import type { EngineError } from '../../errors';
import { htmlEscape, htmlEscapeChunks } from '../../message/html-escape';
import { isJsonContentType, type Payload } from '../../message/payload';

/**
 * Writes a payload as the 200 answer (section 2.2), after `headers` (name/value pairs): its Content-Type, its Content-Encoding when it has
 * one (bytes untouched), else the bytes HTML-escaped as Seldon does for JSON.
 */
export function sendPayload(res: ServerResponse, headers: string[], answer: Payload): void {
  const payload = answer.asJson('answer');
  let chunks = payload.chunks;
  if (payload.contentType !== '') headers.push('Content-Type', payload.contentType);
  if (payload.contentEncoding !== '') headers.push('Content-Encoding', payload.contentEncoding);
  else if (isJsonContentType(payload.contentType)) chunks = htmlEscapeChunks(chunks);
  let size = 0;
  for (const c of chunks) size += c.length;
  headers.push('Content-Length', String(size));
  res.writeHead(200, headers);
  // Chunk by chunk, never joined: a large answer is written as it arrived from the child.
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) res.write(chunks[i]);
  res.end(chunks[last]);
}

/**
 * Writes an error: a child's non-200 answer passes through unchanged (status, body, content type);
 * anything else is the Seldon error message with `code` = the HTTP status and `reason` = the engine's
 * error code, as application/json.
 */
export function sendError(res: ServerResponse, headers: string[], err: EngineError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const reply = err.reply;
  if (reply !== undefined) {
    if (reply.contentType !== '') headers.push('Content-Type', reply.contentType);
    headers.push('Content-Length', String(reply.body.length));
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return;
  }
  const status = err.httpStatus;
  const body = errorBody(status, err.message, err.code);
  headers.push('Content-Type', 'application/json', 'Content-Length', String(body.length));
  res.writeHead(status, headers);
  res.end(body);
}

/** `{"status":{"code":...,"info":...,"reason":...,"status":"FAILURE"}}`, HTML-escaped. */
export function errorBody(status: number, info: string, reason: string): Buffer {
  return htmlEscape(Buffer.from(JSON.stringify({ status: { code: status, info, reason, status: 'FAILURE' } })));
}
