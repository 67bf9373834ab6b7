import cluster, { type Worker } from 'node:cluster';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { AggregatorRegistry } from '../telemetry/prom/client';
import type { Logger } from '../telemetry/logger';
import { mergedQuantiles, WindowSummary, type SummaryWindowState } from '../telemetry/prom';

/** Worker -> primary: render the cluster's metrics for my scrape. */
const METRICS_REQUEST = 'infergraph:metrics-request';
const METRICS_ANSWER = 'infergraph:metrics-answer';
/** Primary -> worker: send me your metrics. */
const STATE_REQUEST = 'infergraph:state-request';
const STATE_ANSWER = 'infergraph:state-answer';
/** A worker that does not answer within this fails the scrape (an error answer), as prom-client's own aggregation did. */
const STATE_TIMEOUT_MS = 5_000;

interface MetricsRequest { readonly type: typeof METRICS_REQUEST; readonly id: number }
interface MetricsAnswer { readonly type: typeof METRICS_ANSWER; readonly id: number; readonly text?: string; readonly error?: string }
interface StateRequest { readonly type: typeof STATE_REQUEST; readonly id: number }
type MetricJson = MetricObjectWithValues<MetricValue<string>>;
/** One worker's metrics: prom-client's JSON of its registry, and its summaries' windows by metric name. */
interface WorkerState { readonly metrics: MetricJson[]; readonly windows: Record<string, SummaryWindowState[]> }
interface StateAnswer { readonly type: typeof STATE_ANSWER; readonly id: number; readonly state?: WorkerState; readonly error?: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * `--workers N`: the primary process forks N engine processes that share the listening ports
 * (node:cluster hands out connections), forwards SIGTERM/SIGINT to them, and exits with the worst of
 * their exit codes once all have stopped. It also answers the workers' metric scrapes with the
 * whole cluster's metrics, so a scrape is correct whichever worker receives it: counters and
 * histograms summed, summary quantiles computed over every worker's window.
 */
export function runPrimary(workers: number, logger: Logger, exit: (code: number) => void): void {
  const states = new StateRequests();
  cluster.on('message', (worker, message: unknown) => {
    if (!isObject(message) || typeof message.id !== 'number') return;
    if (message.type === STATE_ANSWER) {
      // Sent by our own workers (workerState below), over the cluster's IPC channel.
      states.answered(message as unknown as StateAnswer);
      return;
    }
    if (message.type !== METRICS_REQUEST) return;
    const id = message.id;
    clusterMetricsText(states).then(
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
      // Even a worker that exited 0 unasked is a failure of the engine as a whole.
      worst = Math.max(worst, 1);
      stop('worker-exit');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) exit(stopping && worst === 0 ? 0 : Math.max(worst, 1));
  });
  const stop = (signal: string): void => {
    if (stopping) {
      logger.info('already stopping the workers; signal ignored', { signal });
      return;
    }
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  };
  // `on`, not `once`: a second signal must not kill the primary (and with it the draining workers).
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info('starting workers', { workers });
  for (let i = 0; i < workers; i++) cluster.fork();
}

/**
 * In a worker: answers the primary's state requests with this registry's metrics, and returns the
 * function that renders the whole cluster's metrics (asked of the primary). Undefined when not
 * running as a worker.
 */
export function clusterMetricsRenderer(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (!isObject(message) || typeof message.id !== 'number') return;
    const id = message.id;
    if (message.type === STATE_REQUEST) {
      workerState(registry).then(
        (state) => process.send?.({ type: STATE_ANSWER, id, state } satisfies StateAnswer),
        (err: Error) => process.send?.({ type: STATE_ANSWER, id, error: err.message } satisfies StateAnswer),
      );
      return;
    }
    if (message.type !== METRICS_ANSWER) return;
    const waiter = pending.get(id);
    pending.delete(id);
    if (typeof message.text === 'string') waiter?.resolve(message.text);
    else waiter?.reject(new Error(typeof message.error === 'string' ? message.error : 'no metrics from the primary'));
  });
  return () => new Promise<string>((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}

async function workerState(registry: Registry): Promise<WorkerState> {
  const windows: Record<string, SummaryWindowState[]> = {};
  // unknown first: prom-client's MetricObject type does not admit custom metric classes.
  for (const metric of registry.getMetricsAsArray() as unknown[]) {
    if (metric instanceof WindowSummary) windows[metric.name] = metric.windowStates();
  }
  return { metrics: await registry.getMetricsAsJSON(), windows };
}

/** The primary's requests to its workers, by id. */
class StateRequests {
  #next = 0;
  readonly #pending = new Map<number, (answer: StateAnswer) => void>();

  /** Asks one worker for its metrics; rejects after STATE_TIMEOUT_MS. */
  ask(worker: Worker): Promise<WorkerState> {
    const id = this.#next++;
    return new Promise<WorkerState>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`worker ${worker.process.pid ?? '?'} sent no metrics within ${STATE_TIMEOUT_MS} ms`));
      }, STATE_TIMEOUT_MS);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        if (answer.state !== undefined) resolve(answer.state);
        else reject(new Error(`worker ${worker.process.pid ?? '?'}: ${answer.error ?? 'no metrics'}`));
      });
      worker.send({ type: STATE_REQUEST, id } satisfies StateRequest);
    });
  }

  answered(answer: StateAnswer): void {
    const done = this.#pending.get(answer.id);
    this.#pending.delete(answer.id);
    done?.(answer);
  }
}

/**
 * Every worker's metrics as one text: prom-client's aggregation (each metric's `aggregator`, `sum`
 * for ours) after the summaries' quantile samples are replaced with the quantiles of all workers'
 * windows together, held by the first worker that has the series and 0 in the others, so that the
 * sum is the merged quantile.
 */
async function clusterMetricsText(states: StateRequests): Promise<string> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
  const all = await Promise.all(workers.map((w) => states.ask(w)));
  mergeSummaryQuantiles(all);
  return AggregatorRegistry.aggregate(all.map((s) => s.metrics)).metrics();
}

function mergeSummaryQuantiles(states: readonly WorkerState[]): void {
  const names = new Set(states.flatMap((s) => Object.keys(s.windows)));
  for (const name of names) {
    const windowsByKey = new Map<string, SummaryWindowState[]>();
    for (const s of states) {
      for (const w of s.windows[name] ?? []) {
        const key = labelKey(w.labels);
        const list = windowsByKey.get(key);
        if (list === undefined) windowsByKey.set(key, [w]);
        else list.push(w);
      }
    }
    const holder = new Map<string, WorkerState>();
    const merged = new Map<string, number[]>();
    for (const s of states) {
      const metric = s.metrics.find((m) => m.name === name);
      if (metric === undefined) continue;
      const percentiles = [...new Set(metric.values.map((v) => v.labels['quantile']).filter((q): q is number => typeof q === 'number'))];
      for (const v of metric.values) {
        const q = v.labels['quantile'];
        if (typeof q !== 'number') continue;
        const { quantile: _, ...labels } = v.labels;
        const key = labelKey(labels);
        if (!holder.has(key)) holder.set(key, s);
        if (holder.get(key) !== s) {
          v.value = 0;
          continue;
        }
        let quantiles = merged.get(key);
        if (quantiles === undefined) {
          quantiles = mergedQuantiles(windowsByKey.get(key) ?? [], percentiles);
          merged.set(key, quantiles);
        }
        v.value = quantiles[percentiles.indexOf(q)] ?? 0;
      }
    }
  }
}

/** A label set's identity, whatever the key order. */
function labelKey(labels: Readonly<Record<string, string | number | undefined>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, String(labels[k])]));
}

export const isClusterWorker = (): boolean => cluster.isWorker;
