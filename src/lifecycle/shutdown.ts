import type { Server } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { Logger } from '../telemetry/logger';

export interface ShutdownDeps {
  readonly server: Server;
  readonly grpcServer: GrpcServer;
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
  let started = false;
  return (signal) => {
    if (started) return;
    started = true;
    deps.logger.info('shutdown signal received', { signal, shutdown_delay_ms: deps.shutdownDelayMs, graceful_timeout_ms: deps.gracefulTimeoutMs });
    deps.startDraining();
    setTimeout(() => drain(deps), deps.shutdownDelayMs);
  };
}

function drain(deps: ShutdownDeps): void {
  const { server, logger } = deps;
  const deadline = setTimeout(() => {
    server.getConnections((_err, count) => {
      logger.error('graceful_timeout exceeded, exiting immediately', { open_connections: count });
      deps.grpcServer.forceShutdown();
      deps.exit(1);
    });
  }, deps.gracefulTimeoutMs);
  // Keep-alive connections whose request finishes during the drain become idle later: close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  const rest = new Promise<void>((resolve) => server.close(() => resolve()));
  // gRPC: GOAWAY to clients, then wait for the calls in flight.
  const grpc = new Promise<void>((resolve) => deps.grpcServer.tryShutdown(() => resolve()));
  server.closeIdleConnections();
  void Promise.all([rest, grpc]).then(() => {
    clearInterval(sweeper);
    return deps.closeUpstreams().catch(() => undefined);
  }).finally(() => {
    clearTimeout(deadline);
    logger.info('shutdown complete');
    deps.exit(0);
  });
}
