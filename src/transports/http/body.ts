import type { IncomingMessage } from 'node:http';
import { engineError, type EngineError } from '../../errors';

/**
 * Reads the whole request body, refusing more than `max` bytes: a declared Content-Length over the
 * limit is refused before reading anything, a chunked body as soon as it passes the limit.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(Number(declared), max));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        reject(tooLarge(size, max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(engineError('CLIENT_CLOSED', `reading the request body failed: ${err.message}`));
    };
    const onAborted = (): void => {
      cleanup();
      reject(engineError('CLIENT_CLOSED', 'the client closed the connection before sending the whole body'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(size: number, max: number): EngineError {
  return engineError('PAYLOAD_TOO_LARGE', `request body of ${size} bytes is over the limit of ${max} bytes (--max_body_bytes)`);
}
