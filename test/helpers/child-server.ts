import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a child server received. */
export interface ReceivedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Body as text (utf8). */
  readonly text: string;
}

/** What the child answers: JSON (`json`) or raw bytes (`body`), with optional status, headers, delay. */
export interface ChildReply {
  readonly status?: number;
  readonly json?: unknown;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (a slow child). */
  readonly delayMs?: number;
  /** Never answer (a hanging child); the socket stays open until the caller gives up. */
  readonly hang?: boolean;
}

export type ChildScript = (call: ReceivedCall) => ChildReply | Promise<ChildReply>;

export interface ChildServer {
  readonly port: number;
  readonly calls: ReceivedCall[];
  /** Calls whose connection closed before the child answered (the engine aborted them). */
  readonly aborted: ReceivedCall[];
  /** Calls to one path. */
  callsTo(path: string): ReceivedCall[];
  close(): Promise<void>;
}

/**
 * A real HTTP model server on 127.0.0.1, port 0, answering from a script. Records every call, and
 * every call the engine abandoned (connection closed before the answer).
 */
export async function startChild(script: ChildScript): Promise<ChildServer> {
  const calls: ReceivedCall[] = [];
  const aborted: ReceivedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call: ReceivedCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, text: body.toString('utf8') };
      calls.push(call);
      let answered = false;
      res.on('close', () => {
        if (!answered) aborted.push(call);
      });
      Promise.resolve()
        .then(() => script(call))
        .then(async (reply) => {
          if (reply.hang === true) return;
          if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
          if (res.destroyed) return;
          const payload = reply.json !== undefined ? JSON.stringify(reply.json) : reply.body ?? '';
          const headers: Record<string, string> = { 'content-type': reply.json !== undefined ? 'application/json' : 'text/plain', ...reply.headers };
          answered = true;
          res.writeHead(reply.status ?? 200, headers);
          res.end(payload);
        })
        .catch((err: unknown) => {
          answered = true;
          res.writeHead(599);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    calls,
    aborted,
    callsTo: (path) => calls.filter((c) => c.path === path),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A REST endpoint block for a graph node pointing at a child server. */
export function restEndpoint(port: number): { service_host: string; service_port: number; httpPort: number; type: 'REST' } {
  return { service_host: '127.0.0.1', service_port: port, httpPort: port, type: 'REST' };
}
