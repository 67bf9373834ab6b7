/**
 * Child servers for tests of the REST child client (src/upstream/h1-*.ts, http.ts) on 127.0.0.1,
 * port 0: a raw `node:net` server where the exact bytes matter, a `node:http` server where an
 * ordinary child will do.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/** One request a raw server read off a connection (framed by its Content-Length, if any). */
export interface RawRequest {
  readonly head: string;
  readonly body: Buffer;
  readonly socket: Socket;
  /** Index of its connection, in the order the server accepted them. */
  readonly connection: number;
}

export interface RawConnection {
  readonly socket: Socket;
  /** Every byte the server received on it, as received. */
  readonly data: Buffer[];
  /** Resolves when the server's socket has closed. */
  readonly closed: Promise<void>;
}

export interface RawServer {
  readonly port: number;
  readonly connections: RawConnection[];
  readonly requests: RawRequest[];
  /** Resolves with the n-th request (0-based) once it has arrived. */
  request(n: number): Promise<RawRequest>;
  close(): Promise<void>;
}

/** A `node:net` server on 127.0.0.1, port 0, that frames requests and hands each to `onRequest`. */
export async function rawServer(onRequest: (req: RawRequest) => void = () => undefined): Promise<RawServer> {
  const connections: RawConnection[] = [];
  const requests: RawRequest[] = [];
  const waiting: Array<{ n: number; resolve: (r: RawRequest) => void }> = [];
  const server = createNetServer((socket) => {
    const connection = connections.length;
    const data: Buffer[] = [];
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    connections.push({ socket, data, closed });
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.toString('latin1', 0, end + 4);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const size = length === null ? 0 : Number(length[1]);
        if (pending.length < end + 4 + size) return;
        const req: RawRequest = { head, body: pending.subarray(end + 4, end + 4 + size), socket, connection };
        pending = pending.subarray(end + 4 + size);
        requests.push(req);
        for (const w of waiting.filter((x) => x.n === requests.length - 1)) w.resolve(req);
        onRequest(req);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections,
    requests,
    request: (n) => {
      const arrived = requests[n];
      if (arrived !== undefined) return Promise.resolve(arrived);
      return new Promise((resolve) => waiting.push({ n, resolve }));
    },
    close: () => {
      for (const c of connections) c.socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HttpChild {
  readonly port: number;
  /** 'connection' events seen. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** A `node:http` server on 127.0.0.1, port 0, that reads each request body then calls `handle`. */
export async function httpChild(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<HttpChild> {
  let connections = 0;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An answer of 2 bytes, `ok`, as text/plain. */
export const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';
