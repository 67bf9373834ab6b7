import { connect } from 'node:net';
import { request } from 'node:http';
import type { NodeSpec } from '../graph/spec';

export interface ReadinessOptions {
  /** Seldon's `--full_health_checks`: an HTTP health GET instead of a TCP connect. */
  readonly full: boolean;
  /** Bound of each check (Seldon had none: a black-holed child hung the probe). */
  readonly timeoutMs: number;
}

/**
 * Seldon's readiness (section 9.3): children first, one node at a time, stopping at the first
 * failure; nodes without an endpoint (built-ins) are skipped. Checks the port the engine actually
 * calls (Seldon used service_port, quirk 18).
 */
export async function graphReady(node: NodeSpec, options: ReadinessOptions): Promise<boolean> {
  for (const child of node.children) if (!(await graphReady(child, options))) return false;
  const ep = node.endpoint;
  if (ep === undefined) return true;
  const port = ep.type === 'GRPC' ? ep.grpcPort : ep.httpPort;
  if (port === 0) return true;
  return options.full && ep.type === 'REST' ? httpHealthy(ep.host, port, options.timeoutMs) : tcpOpen(ep.host, port, options.timeoutMs);
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function httpHealthy(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/api/v1.0/health/status', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
      res.once('error', () => resolve(false));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}
