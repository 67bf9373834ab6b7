import { Registry } from './prom/client';
import { collectDefaultMetrics } from './prom/default-metrics';
import { FastHistogram, WindowSummary, type HistogramSeries, type SummarySeries } from './prom';

/** Buckets and objectives of Seldon's executor (section 7). */
export const SELDON_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const SUMMARY_PERCENTILES = [0.5, 0.75, 0.9, 0.98, 0.99, 1.0];
const SUMMARY_MAX_AGE_SECONDS = 600;
const SUMMARY_AGE_BUCKETS = 5;

const SERVER_LABELS = ['deployment_name', 'predictor_name', 'predictor_version', 'service', 'method', 'code'] as const;
const CLIENT_LABELS = ['deployment_name', 'predictor_name', 'predictor_version', 'service', 'model_name', 'model_image', 'model_version', 'method', 'code'] as const;

type ServerLabels = Record<(typeof SERVER_LABELS)[number], string>;
type ClientLabels = Record<(typeof CLIENT_LABELS)[number], string>;

export interface PredictorLabels {
  readonly deploymentName: string;
  readonly predictorName: string;
  readonly predictorVersion: string;
}

export interface ModelLabels {
  readonly modelName: string;
  readonly modelImage: string;
  readonly modelVersion: string;
}

/** Records server requests: `service` is predictions|feedback|status|metadata (or a gRPC method). */
export type ServerObserver = (service: string, method: string, code: string, seconds: number) => void;
/** Records child calls of one node: `service` is the child path (or gRPC method). */
export type NodeObserver = (service: string, method: string, code: string, seconds: number) => void;

/** A histogram series and a summary series of the same label set, observed together. */
interface SeriesPair {
  readonly histogram: HistogramSeries;
  readonly summary: SummarySeries;
}

/**
 * Series by (service, method, code) in nested maps: the keys are short strings the callers already
 * hold, so three lookups cost less than building one joined key per observation.
 */
class SeriesCache<T> {
  readonly #byService = new Map<string, Map<string, Map<string, T>>>();

  get(service: string, method: string, code: string): T | undefined {
    return this.#byService.get(service)?.get(method)?.get(code);
  }

  set(service: string, method: string, code: string, series: T): T {
    let byMethod = this.#byService.get(service);
    if (byMethod === undefined) this.#byService.set(service, (byMethod = new Map()));
    let byCode = byMethod.get(method);
    if (byCode === undefined) byMethod.set(method, (byCode = new Map()));
    byCode.set(code, series);
    return series;
  }
}

/**
 * Seldon's executor metrics on the engine's own registry, with process metrics. The metric objects
 * are our own (telemetry/prom: ~40 ns per observe against prom-client's 2-9 µs); label sets are bound
 * once per distinct (service, method, code) and reused: their number is bounded by the graph and the
 * route table, never by what a client sends.
 */
export class EngineMetrics {
  readonly registry: Registry;
  readonly #serverHistogram: FastHistogram;
  readonly #serverSummary: WindowSummary;
  readonly #clientHistogram: FastHistogram;
  readonly #clientSummary: WindowSummary;
  readonly #nodeHistogram: FastHistogram;
  readonly #overheadHistogram: FastHistogram;
  readonly #predictor: PredictorLabels;
  readonly #server = new SeriesCache<SeriesPair>();
  readonly #overhead = new Map<string, HistogramSeries>();

  /** `buckets`: those of infergraph's own histograms (per-node latency, engine overhead). */
  constructor(predictor: PredictorLabels, buckets: readonly number[], registry = new Registry()) {
    this.registry = registry;
    this.#predictor = predictor;
    const registers = [registry];
    this.#nodeHistogram = new FastHistogram({ name: 'infergraph_node_step_seconds', help: 'Latency of each step (predict, route, aggregate, ...) of each graph node, built-ins included', labelNames: ['node', 'method', 'outcome'], buckets, registers });
    this.#overheadHistogram = new FastHistogram({ name: 'infergraph_engine_overhead_seconds', help: 'Time the engine itself spent on a request: total minus the time waiting on child servers', labelNames: ['service'], buckets, registers });
    this.#serverHistogram = new FastHistogram({ name: 'seldon_api_executor_server_requests_seconds', help: 'A histogram of latencies for executor server', labelNames: SERVER_LABELS, buckets: SELDON_BUCKETS, registers });
    this.#serverSummary = new WindowSummary({ name: 'seldon_api_executor_server_requests_seconds_summary', help: 'A summary of latencies for executor server', labelNames: SERVER_LABELS, percentiles: SUMMARY_PERCENTILES, maxAgeSeconds: SUMMARY_MAX_AGE_SECONDS, ageBuckets: SUMMARY_AGE_BUCKETS, registers });
    this.#clientHistogram = new FastHistogram({ name: 'seldon_api_executor_client_requests_seconds', help: 'A histogram of latencies for client calls from executor', labelNames: CLIENT_LABELS, buckets: SELDON_BUCKETS, registers });
    this.#clientSummary = new WindowSummary({ name: 'seldon_api_executor_client_requests_seconds_summary', help: 'A summary of latencies for client calls from executor', labelNames: CLIENT_LABELS, percentiles: SUMMARY_PERCENTILES, maxAgeSeconds: SUMMARY_MAX_AGE_SECONDS, ageBuckets: SUMMARY_AGE_BUCKETS, registers });
    collectDefaultMetrics(registry);
  }

  readonly observeServer: ServerObserver = (service, method, code, seconds) => {
    const pair = this.#server.get(service, method, code) ?? this.#newServerSeries(service, method, code);
    pair.histogram.observe(seconds);
    pair.summary.observe(seconds);
  };

  #newServerSeries(service: string, method: string, code: string): SeriesPair {
    const p = this.#predictor;
    const labels: ServerLabels = { deployment_name: p.deploymentName, predictor_name: p.predictorName, predictor_version: p.predictorVersion, service, method, code };
    return this.#server.set(service, method, code, { histogram: this.#serverHistogram.series(labels), summary: this.#serverSummary.series(labels) });
  }

  /** An observer for one graph node's child calls; call at graph load. */
  nodeObserver(model: ModelLabels): NodeObserver {
    const cache = new SeriesCache<SeriesPair>();
    const p = this.#predictor;
    return (service, method, code, seconds) => {
      let pair = cache.get(service, method, code);
      if (pair === undefined) {
        const labels: ClientLabels = {
          deployment_name: p.deploymentName, predictor_name: p.predictorName, predictor_version: p.predictorVersion,
          service, model_name: model.modelName, model_image: model.modelImage, model_version: model.modelVersion, method, code,
        };
        pair = cache.set(service, method, code, { histogram: this.#clientHistogram.series(labels), summary: this.#clientSummary.series(labels) });
      }
      pair.histogram.observe(seconds);
      pair.summary.observe(seconds);
    };
  }

  /** An observer of one node's steps (per-node latency); series bound once per method and outcome. */
  nodeStepObserver(node: string): (method: string, seconds: number, ok: boolean) => void {
    const ok = new Map<string, HistogramSeries>();
    const failed = new Map<string, HistogramSeries>();
    return (method, seconds, success) => {
      const cache = success ? ok : failed;
      let series = cache.get(method);
      if (series === undefined) {
        series = this.#nodeHistogram.series({ node, method, outcome: success ? 'ok' : 'error' });
        cache.set(method, series);
      }
      series.observe(seconds);
    };
  }

  /** Records the engine's own time for one request of `service` (predictions, feedback, ...). */
  observeOverhead(service: string, seconds: number): void {
    let series = this.#overhead.get(service);
    if (series === undefined) {
      series = this.#overheadHistogram.series({ service });
      this.#overhead.set(service, series);
    }
    series.observe(Math.max(0, seconds));
  }

  #render: () => Promise<string> = () => this.registry.metrics();

  /** Prometheus text exposition of everything on the registry (or of every worker's, see renderWith). */
  render(): Promise<string> {
    return this.#render();
  }

  /** Renders through `render` instead: in a `--workers` cluster, the sum over all workers. */
  renderWith(render: () => Promise<string>): void {
    this.#render = render;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * model_image / model_version from a container image reference. Seldon split on ':' and broke on
 * registries with a port (quirk 20); we split at the last ':' after the last '/', and drop a digest.
 */
export function imageLabels(image: string): { image: string; version: string } {
  const ref = image.split('@')[0] ?? '';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { image: ref.slice(0, colon), version: ref.slice(colon + 1) };
  return { image: ref, version: '' };
}
