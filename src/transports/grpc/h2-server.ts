import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { handleBidiStreamingCall, MethodDefinition, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { GRPC } from '../../errors';
import type { GracefulServer } from '../../lifecycle/shutdown';
import { Deadlines } from '../../graph/deadlines';
import { BidiCall } from './h2-streaming';
import { receiveUnary, sendStatus, type MessageLimits, type UnaryHandler } from './h2-unary';

type Route =
  | { readonly kind: 'unary'; readonly handler: UnaryHandler }
  | { readonly kind: 'bidi'; readonly method: MethodDefinition<unknown, unknown>; readonly handler: handleBidiStreamingCall<unknown, unknown> };

/** How long a connection may hold a file descriptor without making calls; each one left out is off. */
export interface ConnectionTimeouts {
  /**
   * A connection that has not completed the HTTP/2 handshake (client preface and SETTINGS; over
   * TLS, also the TLS handshake) within this is dropped: it would hold a file descriptor for ever.
   */
  readonly handshakeMs?: number;
  /**
   * A connection with no call open for this long is closed gracefully (GOAWAY, then close: a client
   * opens a new one for its next call), as grpc-go's MaxConnectionIdle and Go's IdleTimeout do.
   */
  readonly idleMs?: number;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** PEM certificate chain and key: a TLS listener (h2 over TLS), else plaintext (h2c). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/**
 * The engine's gRPC server, on raw `node:http2` (performance.md 3.3: grpc-js's server machinery costs
 * tens of µs per call that a unary pass-through does not need). Unary methods get the request bytes
 * and HTTP/2 headers (`addUnary`); streaming methods registered the grpc-js way (`addService`: server
 * reflection) run through a small adapter. What callers see follows grpc-js servers: statuses and
 * their details, UNIMPLEMENTED for unknown methods, 415 for a non-gRPC content type, `grpc-timeout`
 * deadlines, message size limits, gzip/deflate requests.
 *
 * grpc-js is used for types only (it used to be the base class): loading it costs megabytes of RSS
 * (telemetry/prom/client.ts), and only a server-reflection call (@grpc/reflection) loads it now.
 */
export class GrpcH2Server implements GracefulServer {
  readonly #routes = new Map<string, Route>();
  readonly #limits: MessageLimits;
  /** The callers' deadlines of the unary calls in flight. */
  readonly #deadlines = new Deadlines();
  readonly #servers: Array<Http2Server | Http2SecureServer> = [];
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #timeouts: ConnectionTimeouts;
  /** Settles once every listener closed (tryShutdown may be called more than once). */
  #closed: Promise<void> | undefined;

  constructor(maxMessageBytes: number, timeouts: ConnectionTimeouts = {}) {
    this.#limits = { receive: maxMessageBytes, send: maxMessageBytes };
    this.#timeouts = timeouts;
  }

  /** Serves a unary method, bytes in and out. */
  addUnary(path: string, handler: UnaryHandler): void {
    this.#routes.set(path, { kind: 'unary', handler });
  }

  /** Serves the bidirectional-streaming methods of a grpc-js service definition (server reflection). */
  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    for (const [name, method] of Object.entries(service)) {
      const handler = implementation[name];
      if (handler === undefined) continue; // like grpc-js: an unimplemented method answers UNIMPLEMENTED
      if (!method.requestStream || !method.responseStream) throw new Error(`${method.path}: only bidirectional-streaming methods can be added with addService; unary ones use addUnary`);
      this.#routes.set(method.path, { kind: 'bidi', method, handler: handler as handleBidiStreamingCall<unknown, unknown> });
    }
  }

  /** Binds a listener; resolves with its port (the one chosen for port 0). */
  listen(options: ListenOptions): Promise<number> {
    const settings = { maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER, settings: { initialWindowSize: WINDOW_BYTES } };
    // A TLS connection becomes a session only after its TLS handshake: tls.Server bounds that one (default 120 s).
    const tlsHandshake = this.#timeouts.handshakeMs === undefined ? {} : { handshakeTimeout: this.#timeouts.handshakeMs };
    const server = options.tls === undefined ? createServer(settings) : createSecureServer({ ...settings, ...tlsHandshake, cert: options.tls.cert, key: options.tls.key });
    server.on('session', (session: ServerHttp2Session) => this.#onSession(session));
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.#onStream(stream, headers));
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops taking connections and calls (GOAWAY); calls in flight finish; `callback` once all connections closed. */
  tryShutdown(callback: (error?: Error) => void): void {
    this.#closed ??= Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
    for (const session of this.#sessions) session.close();
    void this.#closed.then(() => {
      // Every call has ended with its connection: no deadline is left to fire.
      this.#deadlines.close();
      callback();
    });
  }

  /** Drops every connection and the calls on them. */
  forceShutdown(): void {
    for (const server of this.#servers) server.close();
    for (const session of this.#sessions) session.destroy();
  }

  #onSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    // A broken connection is the caller's; its calls see 'close'. Without a listener it would throw.
    session.on('error', ignore);
    session.setLocalWindowSize(WINDOW_BYTES);
    const { handshakeMs, idleMs } = this.#timeouts;
    // Unref'd, and cleared with the session: they never hold the process or delay a shutdown.
    const handshake = handshakeMs === undefined ? undefined : setTimeout(() => session.destroy(), handshakeMs).unref();
    let idle: NodeJS.Timeout | undefined;
    let open = 0;
    if (idleMs !== undefined) {
      // One timer per connection, restarted (refresh(): no new timer) each time its last call ends,
      // rather than set and cleared around every call. A call open when it fires (one longer than
      // idleMs) keeps the connection; the timer starts again when that call ends.
      const onStreamClose = (): void => {
        if (--open === 0) idle?.refresh();
      };
      session.on('stream', (stream: ServerHttp2Stream) => {
        open++;
        stream.on('close', onStreamClose); // 'close' comes once: on() spares once()'s wrapper per call
      });
    }
    // The client's SETTINGS frame follows its preface: the handshake is done, the connection now idle.
    session.once('remoteSettings', () => {
      clearTimeout(handshake);
      if (idleMs !== undefined && !session.closed && !session.destroyed) {
        idle = setTimeout(() => {
          if (open === 0) session.close();
        }, idleMs).unref();
      }
    });
    session.once('close', () => {
      this.#sessions.delete(session);
      clearTimeout(handshake);
      clearTimeout(idle);
    });
  }

  #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', ignore);
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    const path = headers[':path'] ?? '';
    const route = this.#routes.get(path);
    if (route === undefined) sendStatus(stream, GRPC.UNIMPLEMENTED, `The server does not implement the method ${path}`);
    else if (route.kind === 'unary') receiveUnary(stream, headers, this.#limits, this.#deadlines, route.handler);
    else BidiCall.start(stream, headers, route.method, route.handler, this.#limits);
  }
}

/** Flow-control window of each stream and of each connection: large messages need fewer round trips. */
const WINDOW_BYTES = 4 * 1024 * 1024;

function ignore(): void {
  // See the callers.
}
