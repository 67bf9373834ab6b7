import type { IncomingMessage } from 'node:http';
import { engineError, type EngineError } from '../../errors';
import { appendChunk } from '../../message/chunks';

/**
 * After a body is refused (413), the engine goes on reading and dropping what the client still
 * uploads, up to these bounds, and only then closes the connection. Closing at once, with unread
 * bytes arriving, makes the kernel reset the connection, and a reset discards the 413 the client has
 * not read yet: it would see EPIPE or ECONNRESET instead of the answer. Go's server lingers the
 * same way. Within the bounds, a body that ends leaves the connection usable (keep-alive).
 */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 2_000;

/**
 * Reads the whole request body as the chunks it arrived in (not joined: see Payload), refusing more
 * than `max` bytes: a declared Content-Length over the limit is refused before reading anything, a
 * chunked body as soon as it passes the limit. The rest of a refused body is read and dropped
 * (bounded, see DISCARD_MAX_BYTES) so the client gets the 413.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer[]> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    discardRest(req, 0);
    return Promise.reject(tooLarge(Number(declared), max));
  }
  return new Promise<Buffer[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let mark = 0;
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        settled = true;
        req.off('data', onData);
        discardRest(req, chunk.length);
        reject(tooLarge(size, max));
        return;
      }
      mark = appendChunk(chunks, chunk, mark);
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

/** Reads and drops the rest of a refused body; past DISCARD_MAX_BYTES or DISCARD_MAX_MS, closes the connection. */
function discardRest(req: IncomingMessage, alreadyDropped: number): void {
  if (req.complete) return;
  let dropped = alreadyDropped;
  const { socket } = req;
  const timer = setTimeout(() => socket.destroy(), DISCARD_MAX_MS);
  const stop = (): void => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES) {
      stop();
      socket.destroy();
    }
  });
  req.once('end', stop);
  socket.once('close', stop);
  req.resume();
}

function tooLarge(size: number, max: number): EngineError {
  return engineError('PAYLOAD_TOO_LARGE', `request body of ${size} bytes is over the limit of ${max} bytes (--max_body_bytes)`);
}
