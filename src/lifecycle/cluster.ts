import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger';

const METRICS_REQUEST = 'infergraph:metrics-request';
const METRICS_ANSWER = 'infergraph:metrics-answer';

interface MetricsRequest { readonly type: typeof METRICS_REQUEST; readonly id: number }
interface MetricsAnswer { readonly type: typeof METRICS_ANSWER; readonly id: number; readonly text?: string; readonly error?: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * `--workers N`: the primary process forks N engine processes that share the listening ports
 * (node:cluster hands out connections), forwards SIGTERM/SIGINT to them, and exits with the worst of
 * their exit codes once all have stopped. It also answers the workers' metric scrapes with the sum of
 * every worker's registry, so a scrape is correct whichever worker receives it.
 */
export function runPrimary(workers: number, logger: Logger, exit: (code: number) => void): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isObject(message) || message.type !== METRICS_REQUEST || typeof message.id !== 'number') return;
    const id = message.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_ANSWER, id, text } satisfies MetricsAnswer),
      (err: Error) => worker.send({ type: METRICS_ANSWER, id, error: err.message } satisfies MetricsAnswer),
    );
  });
  let stopping = false;
  let worst = 0;
  cluster.on('exit', (worker, code, signal) => {
    const status = code ?? (signal === null ? 0 : 1);
    worst = Math.max(worst, status);
    if (!stopping) {
      logger.error('worker exited; stopping the others', { worker: worker.process.pid, code, signal });
      stop('worker-exit');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) exit(stopping && worst === 0 ? 0 : Math.max(worst, 1));
  });
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  logger.info('starting workers', { workers });
  for (let i = 0; i < workers; i++) cluster.fork();
}

/**
 * In a worker: registers the engine's registry for aggregation and returns the function that renders
 * the whole cluster's metrics (asked of the primary). Undefined when not running as a worker.
 */
export function clusterMetricsRenderer(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  // Creating an AggregatorRegistry installs prom-client's worker-side listener.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (!isObject(message) || message.type !== METRICS_ANSWER || typeof message.id !== 'number') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (typeof message.text === 'string') waiter?.resolve(message.text);
    else waiter?.reject(new Error(typeof message.error === 'string' ? message.error : 'no metrics from the primary'));
  });
  return () => new Promise<string>((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}

export const isClusterWorker = (): boolean => cluster.isWorker;
