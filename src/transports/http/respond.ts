import type { ServerResponse } from 'node:http';
import type { EngineError } from '../../errors';
import { htmlEscape } from '../../message/html-escape';
import { isJsonContentType, type Payload } from '../../message/payload';

/**
 * Writes a payload as the 200 answer (section 2.2): its Content-Type, its Content-Encoding when it has
 * one (bytes untouched), else the bytes HTML-escaped as Seldon does for JSON.
 */
export function sendPayload(res: ServerResponse, answer: Payload): void {
  const payload = answer.asJson('answer');
  let body = payload.body;
  if (payload.contentType !== '') res.setHeader('Content-Type', payload.contentType);
  if (payload.contentEncoding !== '') res.setHeader('Content-Encoding', payload.contentEncoding);
  else if (isJsonContentType(payload.contentType)) body = htmlEscape(body);
  res.setHeader('Content-Length', body.length);
  res.writeHead(200);
  res.end(body);
}

/**
 * Writes an error: a child's non-200 answer passes through unchanged (status, body, content type);
 * anything else is the Seldon error message with `code` = the HTTP status and `reason` = the engine's
 * error code, as application/json.
 */
export function sendError(res: ServerResponse, err: EngineError, extraHeaders?: Readonly<Record<string, string>>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (extraHeaders !== undefined) for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  const reply = err.reply;
  if (reply !== undefined) {
    if (reply.contentType !== '') res.setHeader('Content-Type', reply.contentType);
    res.setHeader('Content-Length', reply.body.length);
    res.writeHead(reply.status);
    res.end(reply.body);
    return;
  }
  const status = err.httpStatus;
  const body = errorBody(status, err.message, err.code);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.length);
  res.writeHead(status);
  res.end(body);
}

/** `{"status":{"code":...,"info":...,"reason":...,"status":"FAILURE"}}`, HTML-escaped. */
export function errorBody(status: number, info: string, reason: string): Buffer {
  return htmlEscape(Buffer.from(JSON.stringify({ status: { code: status, info, reason, status: 'FAILURE' } })));
}
