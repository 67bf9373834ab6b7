/**
 * The bare hop: the least a Node REST proxy can do, as the yardstick for the engine's targets. A
 * node:http server that forwards the raw request bytes to one upstream with undici Pool.dispatch
 * (the cheapest undici API) and streams the answer back, with back-pressure. No parsing, no headers
 * beyond content-type/length, no metrics, no timeouts, no logging.
 * Usage: node dist/bench/servers/bare-hop.js --target-port N [--path /predict] [--port 0]
 * Prints {"msg":"listening","port":N} once listening. Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;

/** Streams the upstream answer into the downstream response. */
class StreamBack implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  /** Present so undici takes this for a new-style handler (it checks for this method). */
  onRequestStart(): void {
    // Nothing to set up: no timeouts or aborts in the bare hop.
  }

  onResponseStart(_c: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    const out: Record<string, string | string[]> = {};
    for (const name of ['content-type', 'content-length', 'content-encoding']) {
      const v = headers[name];
      if (v !== undefined) out[name] = v;
    }
    this.#res.writeHead(statusCode, out);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (!this.#res.write(chunk)) {
      controller.pause();
      this.#res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#res.end();
  }

  onResponseError(_c: Controller, err: Error): void {
    if (this.#res.headersSent) this.#res.destroy(err);
    else this.#res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message);
  }
}

function main(): void {
  const { values } = parseArgs({ options: { 'target-port': { type: 'string' }, path: { type: 'string', default: '/predict' }, port: { type: 'string', default: '0' } } });
  const target = Number(values['target-port']);
  if (!Number.isInteger(target) || target <= 0) throw new Error('--target-port is required');
  const path = values.path;
  // Unlimited connections and 30 s idle keep-alive, as the engine's own child pools.
  const pool = new Pool(`http://127.0.0.1:${target}`, { keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      const headers = { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': String(size) };
      // One chunk goes as is; several go as an iterable, so a large body is never copied. undici
      // accepts any iterable body (lib/core/request.js, isIterable); its types only list streams.
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : (chunks as Iterable<Buffer> as unknown as Readable);
      pool.dispatch({ method: 'POST', path, headers, body }, new StreamBack(res));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(values.port), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port, target })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

main();
