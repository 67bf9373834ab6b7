/**
 * What FastHistogram and WindowSummary share: config and label checks, the series cache key and
 * registration. All of it runs when a metric or a series is created (graph load), never per observe.
 */
import type { Metric, Registry, RegistryContentType } from 'prom-client';
import { globalRegistry } from './client';

/** Any prom-client registry, Prometheus or OpenMetrics content type. */
export type AnyRegistry = Registry<RegistryContentType>;

export type LabelSet = Readonly<Record<string, string>>;

/** One sample of `get()`, the shape prom-client's own metrics return (and AggregatorRegistry reads). */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  /** Only on histogram buckets, `null`, as prom-client's Histogram without exemplars. */
  exemplar?: null;
}

/** A sample for `Registry.getMetricsAsString`: `sharedLabels` is formatted once per object (WeakMap). */
export interface TextSample extends Sample {
  sharedLabels: LabelSet;
}

export interface MetricSnapshot<S extends Sample = Sample> {
  name: string;
  help: string;
  type: 'histogram' | 'summary';
  values: S[];
  aggregator: 'sum';
}

// From https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels, as prom-client.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws on what prom-client's constructors refuse; `reserved` is `le` or `quantile`. */
export function checkMetricConfig(kind: string, name: string, help: string, labelNames: readonly string[], reserved: string): void {
  if (!METRIC_NAME.test(name)) throw new Error(`${kind}: invalid metric name ${JSON.stringify(name)}`);
  if (help === '') throw new Error(`${kind} ${name}: help must not be empty`);
  const seen = new Set<string>();
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l)) throw new Error(`${kind} ${name}: invalid label name ${JSON.stringify(l)}`);
    if (l === reserved) throw new Error(`${kind} ${name}: ${reserved} is a reserved label name`);
    if (seen.has(l)) throw new Error(`${kind} ${name}: label name ${l} given twice`);
    seen.add(l);
  }
}

/**
 * The cache key of a label set, after checking it names exactly `labelNames`, each with a string.
 * JSON of the values in `labelNames` order: unambiguous whatever the values contain.
 */
export function seriesKey(metric: string, labelNames: readonly string[], labels: LabelSet): string {
  const given = Object.keys(labels);
  const missing = labelNames.filter((n) => !Object.hasOwn(labels, n));
  const extra = given.filter((n) => !labelNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`${metric}: labels must be exactly [${labelNames.join(', ')}]` + (missing.length > 0 ? `; missing [${missing.join(', ')}]` : '') + (extra.length > 0 ? `; unknown [${extra.join(', ')}]` : ''));
  }
  const values = labelNames.map((n) => {
    const v: unknown = labels[n];
    if (typeof v !== 'string') throw new Error(`${metric}: label ${n} must be a string, got ${typeof v}`);
    return v;
  });
  return JSON.stringify(values);
}

/**
 * A frozen copy of `labels` in the caller's key order: prom-client prints a series' labels in the
 * order of the object first observed, so the same objects give the same text.
 */
export function frozenLabels(labels: LabelSet): LabelSet {
  return Object.freeze({ ...labels });
}

/** The object prom-client's Registry reads: name, help, type, get() (+ aggregator, reset()). */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  get(): Promise<MetricSnapshot>;
  reset(): void;
}

/** Registers on `registers`, by default prom-client's global registry, as prom-client's metrics do. */
export function registerOn(metric: RegistryMetric, registers: readonly AnyRegistry[] | undefined): void {
  for (const r of registers ?? [globalRegistry]) {
    // prom-client's typings accept only its own metric classes, but lib/registry.js only reads
    // name, help, type, get()/getForPromString(), reset() and aggregator: a narrow cast.
    r.registerMetric(metric as unknown as Metric);
  }
}
