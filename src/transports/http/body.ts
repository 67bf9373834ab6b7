import type { IncomingMessage } from 'node:http';
import { engineError, type EngineError } from '../../errors';

/**
 * Reads the whole request body as the chunks it arrived in (not joined: see Payload), refusing more
 * than `max` bytes: a declared Content-Length over the limit is refused before reading anything, a
 * chunked body as soon as it passes the limit.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer[]> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(Number(declared), max));
  return new Promise<Buffer[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        settled = true;
        req.off('data', onData);
        req.pause();
        reject(tooLarge(size, max));
        return;
      }
      chunks.push(chunk);
    };
    // Listeners stay on the request once it settled (each event fires at most once, `settled`
    // ignores the rest): removing them costs more than the request object living a moment longer.
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks);
    });
    req.on('error', (err: Error) => {
      if (settled) return;
      settled = true;
      reject(engineError('CLIENT_CLOSED', `reading the request body failed: ${err.message}`));
    });
    req.on('aborted', () => {
      if (settled) return;
      settled = true;
      reject(engineError('CLIENT_CLOSED', 'the client closed the connection before sending the whole body'));
    });
  });
}

function tooLarge(size: number, max: number): EngineError {
  return engineError('PAYLOAD_TOO_LARGE', `request body of ${size} bytes is over the limit of ${max} bytes (--max_body_bytes)`);
}
