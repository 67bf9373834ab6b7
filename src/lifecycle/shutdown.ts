import type { IncomingMessage, Server } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../telemetry/logger';

/** How long a connection may stay open during the drain without sending a whole request head. */
const REQUESTLESS_GRACE_MS = 1_000;

/** What the drain needs of the gRPC server. */
export interface GracefulServer {
  /** Stops taking connections and calls; `callback` once every connection has closed (its calls finished). */
  tryShutdown(callback: (error?: Error) => void): void;
  /** Drops every connection and the calls on them. */
  forceShutdown(): void;
}

export interface ShutdownDeps {
  readonly server: Server;
  readonly grpcServer: GracefulServer;
  /** Turns readiness to 503 at once. */
  readonly startDraining: () => void;
  /** Releases upstream resources once the server has drained. */
  readonly closeUpstreams: () => Promise<void>;
  readonly shutdownDelayMs: number;
  readonly gracefulTimeoutMs: number;
  readonly logger: Logger;
  readonly exit: (code: number) => void;
}

/**
 * Graceful shutdown (section 9.5, with readiness fixed): on the signal, readiness turns 503 at once;
 * after `--shutdown_delay` the listener closes and in-flight requests finish; exit 0 when all are
 * done, or 1 when `--graceful_timeout` passes first. Returns the function to start it.
 */
export function gracefulShutdown(deps: ShutdownDeps): (signal: string) => void {
  const requestless = trackRequestless(deps.server);
  let started = false;
  return (signal) => {
    if (started) return;
    started = true;
    deps.logger.info('shutdown signal received', { signal, shutdown_delay_ms: deps.shutdownDelayMs, graceful_timeout_ms: deps.gracefulTimeoutMs });
    deps.startDraining();
    setTimeout(() => drain(deps, requestless), deps.shutdownDelayMs);
  };
}

/**
 * Connections (with the time they opened) that have not sent a whole request head yet. Node times
 * them out with an interval that server.close() stops, so during the drain a TCP probe, a preconnect
 * or a slowloris client would hold the process until --graceful_timeout and exit 1 (Go's Shutdown
 * likewise closes new connections that sent nothing).
 */
function trackRequestless(server: Server): Map<Socket, number> {
  const sockets = new Map<Socket, number>();
  // An https server runs HTTP on the TLS socket, which its 'secureConnection' event gives.
  const event = server instanceof HttpsServer ? 'secureConnection' : 'connection';
  server.on(event, (socket: Socket) => {
    sockets.set(socket, performance.now());
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage) => sockets.delete(req.socket));
  return sockets;
}

function drain(deps: ShutdownDeps, requestless: Map<Socket, number>): void {
  const { server, logger } = deps;
  const deadline = setTimeout(() => {
    server.getConnections((_err, count) => {
      logger.error('graceful_timeout exceeded, exiting immediately', { open_connections: count });
      deps.grpcServer.forceShutdown();
      deps.exit(1);
    });
  }, deps.gracefulTimeoutMs);
  // Keep-alive connections whose request finishes during the drain become idle later: close them as they
  // do, and connections that still have not sent a request once they are older than the grace.
  const sweep = (): void => {
    server.closeIdleConnections();
    const old = performance.now() - REQUESTLESS_GRACE_MS;
    for (const [socket, opened] of requestless) if (opened <= old) socket.destroy();
  };
  const sweeper = setInterval(sweep, 100);
  const rest = new Promise<void>((resolve) => server.close(() => resolve()));
  // gRPC: GOAWAY to clients, then wait for the calls in flight.
  const grpc = new Promise<void>((resolve) => deps.grpcServer.tryShutdown(() => resolve()));
  sweep();
  void Promise.all([rest, grpc]).then(() => {
    clearInterval(sweeper);
    return deps.closeUpstreams().catch(() => undefined);
  }).finally(() => {
    clearTimeout(deadline);
    logger.info('shutdown complete');
    deps.exit(0);
  });
}
