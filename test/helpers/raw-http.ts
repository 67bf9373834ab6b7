import { request, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** One answer read with node:http: exact status, raw header map and body bytes, and how long it took. */
export interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** Milliseconds from sending the request to the end of the answer. */
  readonly ms: number;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in chunks of this many bytes. */
  readonly chunkBytes?: number;
}

/**
 * Sends one request over a fresh connection (no agent, so no pooling between requests) and reads the
 * whole answer. Unlike fetch, it can send any header (Connection, TE, Upgrade...) and a chunked body.
 */
export function rawRequest(port: number, options: RawRequest): Promise<RawReply> {
  return new Promise<RawReply>((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), ms: performance.now() - started });
      });
    });
    req.on('error', reject);
    writeBody(req, options);
  });
}

function writeBody(req: ClientRequest, options: RawRequest): void {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body === undefined) {
    req.end();
    return;
  }
  if (options.chunkBytes === undefined) {
    req.setHeader('Content-Length', body.length);
    req.end(body);
    return;
  }
  req.setHeader('Transfer-Encoding', 'chunked');
  for (let i = 0; i < body.length; i += options.chunkBytes) req.write(body.subarray(i, i + options.chunkBytes));
  req.end();
}

/** Polls `check` every 5 ms until it is true; rejects after `timeoutMs` naming `what`. Resolves with the wait in ms. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 2_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

/** The Seldon error body the engine writes for its own errors (section 2.3, reliability 3.1). */
export interface ErrorBody {
  readonly status: { readonly code: number; readonly info: string; readonly reason: string; readonly status: string };
}

/** Parses an engine error body and checks its shape: exactly the four fields, FAILURE, code = HTTP status. */
export function parseErrorBody(text: string): ErrorBody {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).join() !== 'status') throw new Error(`not a Seldon error body: ${text}`);
  const status = (parsed as { status: unknown }).status;
  if (typeof status !== 'object' || status === null || Object.keys(status).sort().join() !== 'code,info,reason,status') throw new Error(`not a Seldon error body: ${text}`);
  return parsed as ErrorBody;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
