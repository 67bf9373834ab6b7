import { createServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';

/** One request a raw HTTP/2 child received: its headers, body and how its stream ended. */
export interface H2Call {
  readonly headers: IncomingHttpHeaders;
  readonly stream: ServerHttp2Stream;
  readonly session: Http2Session;
  /** The request body (length prefix included), once the caller ended it. */
  readonly body: Promise<Buffer>;
  /** Resolves with the stream's rstCode when it closes (8 = CANCEL from the caller). */
  readonly closed: Promise<number>;
}

export interface H2Child {
  readonly port: number;
  readonly calls: H2Call[];
  /** Connections accepted so far. */
  readonly sessions: () => number;
  close(): Promise<void>;
}

/**
 * A raw `node:http2` server on 127.0.0.1 that answers from a script seeing the stream itself, for
 * answers no real gRPC server sends (bad frames, resets, dropped connections).
 */
export async function startH2Child(script: (call: H2Call) => void, port = 0): Promise<H2Child> {
  const calls: H2Call[] = [];
  const open = new Set<Http2Session>();
  let sessions = 0;
  const server: Http2Server = createServer();
  server.on('session', (session) => {
    sessions++;
    open.add(session);
    session.on('close', () => open.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const body = new Promise<Buffer>((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
    const closed = new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? 0)));
    const call: H2Call = { headers, stream, session: stream.session as Http2Session, body, closed };
    calls.push(call);
    script(call);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    sessions: () => sessions,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A gRPC length-prefixed message frame. */
export function grpcFrame(message: Buffer, flag = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Answers `data` (already framed) with status OK in trailers, as a gRPC server does. */
export function answerOk(stream: ServerHttp2Stream, data: Buffer): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(data);
}
