/**
 * A Seldon REST model server tuned for load: answers every POST (/predict, /transform-input, ...) and
 * GET (/health/status, ...) with 200. Modes:
 *   fixed  reads the whole request, answers a fixed small SeldonMessage (one-way payload tests)
 *   echo   answers the request bytes unchanged (large payloads both ways)
 * Usage: node dist/bench/servers/stub-rest.js --mode fixed|echo [--port 0]
 * Prints {"msg":"listening","port":N} once listening. Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { FIXED_REPLY_JSON } from './replies';

const FIXED_REPLY = Buffer.from(FIXED_REPLY_JSON);
const FIXED_HEADERS = { 'content-type': 'application/json', 'content-length': String(FIXED_REPLY.length) };

function fixed(req: IncomingMessage, res: ServerResponse): void {
  // Drain the body without keeping it: the model "reads" the input, the reply is constant.
  req.on('data', () => undefined);
  req.on('end', () => res.writeHead(200, FIXED_HEADERS).end(FIXED_REPLY));
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') {
    fixed(req, res);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
  });
  // Written back chunk by chunk: no concat, so the stub costs as little as possible.
  req.on('end', () => {
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': String(size) });
    for (const c of chunks) res.write(c);
    res.end();
  });
}

function main(): void {
  const { values } = parseArgs({ options: { mode: { type: 'string', default: 'fixed' }, port: { type: 'string', default: '0' } } });
  const mode = values.mode;
  if (mode !== 'fixed' && mode !== 'echo') throw new Error(`--mode must be fixed or echo, not ${mode}`);
  const server = createServer(mode === 'fixed' ? fixed : echo);
  // Longer than any pool's idle timeout, so the peers never race a server-side close.
  server.keepAliveTimeout = 65_000;
  server.listen(Number(values.port), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port, mode })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

main();
