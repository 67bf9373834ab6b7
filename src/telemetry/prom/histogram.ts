/**
 * A Prometheus histogram whose observe() costs a bucket scan and three additions: callers bind a
 * label set once (`series()`, at graph load) and keep the handle, instead of prom-client's
 * per-observe label validation and hashing (~2 µs). Registers on prom-client registries as a
 * custom metric and renders exactly as prom-client's Histogram.
 */
import { checkMetricConfig, frozenLabels, registerOn, seriesKey, type AnyRegistry, type LabelSet, type MetricSnapshot, type Sample, type TextSample } from './labels';

export interface FastHistogramConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Upper bounds, strictly increasing; `+Inf` is implicit. */
  readonly buckets: readonly number[];
  /** Default: prom-client's global registry, as prom-client's metrics. */
  readonly registers?: readonly AnyRegistry[];
}

/** A bucket's label, `le`: the bound as a number, or '+Inf', as prom-client. */
type LeLabel = Readonly<Record<'le', number | string>>;

/** The counts of one label set. */
export class HistogramSeries {
  readonly labels: LabelSet;
  readonly #bounds: Float64Array;
  /** Per bucket, not cumulative: counts[i] = observations in (bounds[i-1], bounds[i]]. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  /** Shown with no observation: only an unlabelled histogram before reset(), as prom-client's. */
  #showEmpty: boolean;

  constructor(labels: LabelSet, bounds: Float64Array, showEmpty: boolean) {
    this.labels = labels;
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length);
    this.#showEmpty = showEmpty;
  }

  /** O(buckets), no allocation. NaN and ±Infinity are dropped (prom-client throws on them). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > (bounds[i] as number)) i++;
    // Above the last bound: only in +Inf, i.e. in the count.
    if (i < n) this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  /** In the text: once observed, as prom-client's series, which observe() creates. */
  get shown(): boolean {
    return this.#count > 0 || this.#showEmpty;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
    this.#showEmpty = false;
  }

  /** Appends prom-client's samples of this series: buckets (cumulative), +Inf, _sum, _count. Scrape time only. */
  appendTo(out: TextSample[], name: string, leLabels: readonly LeLabel[]): void {
    const bucketName = `${name}_bucket`;
    const counts = this.#counts;
    let acc = 0;
    for (let i = 0; i < counts.length; i++) {
      acc += counts[i] as number;
      out.push({ value: acc, metricName: bucketName, exemplar: null, labels: leLabels[i] as LeLabel, sharedLabels: this.labels });
    }
    // +Inf is the count: it includes the values above the last bound, which no bucket holds.
    out.push({ value: this.#count, metricName: bucketName, exemplar: null, labels: leLabels[counts.length] as LeLabel, sharedLabels: this.labels });
    out.push({ value: this.#sum, metricName: `${name}_sum`, labels: {}, sharedLabels: this.labels });
    out.push({ value: this.#count, metricName: `${name}_count`, labels: {}, sharedLabels: this.labels });
  }
}

export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  /** How AggregatorRegistry combines cluster workers' values. */
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  readonly #bounds: Float64Array;
  /** `{le}` label objects, +Inf last; shared by every scrape (the Registry never mutates them). */
  readonly #leLabels: readonly LeLabel[];
  /** In creation order, which is the order of the text. */
  readonly #series = new Map<string, HistogramSeries>();

  constructor(config: FastHistogramConfig) {
    const { name, help, labelNames, buckets } = config;
    checkMetricConfig('FastHistogram', name, help, labelNames, 'le');
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i] as number;
      if (!Number.isFinite(b)) throw new Error(`FastHistogram ${name}: bucket ${b} is not finite (+Inf is implicit)`);
      if (i > 0 && b <= (buckets[i - 1] as number)) throw new Error(`FastHistogram ${name}: buckets must be strictly increasing`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = Object.freeze([...labelNames]);
    this.buckets = Object.freeze([...buckets]);
    this.#bounds = Float64Array.from(buckets);
    this.#leLabels = Object.freeze([...buckets.map((le) => Object.freeze({ le })), Object.freeze({ le: '+Inf' })]);
    // prom-client's unlabelled histogram exists (all zeros) from the start.
    if (labelNames.length === 0) this.#series.set(seriesKey(name, [], {}), new HistogramSeries(Object.freeze({}), this.#bounds, true));
    registerOn(this, config.registers);
  }

  /** The handle of one label set: same values, same handle. Throws unless the names are exactly labelNames. */
  series(labels: LabelSet): HistogramSeries {
    const key = seriesKey(this.name, this.labelNames, labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = new HistogramSeries(frozenLabels(labels), this.#bounds, false);
      this.#series.set(key, s);
    }
    return s;
  }

  /** What `Registry.metrics()` renders: series labels as `sharedLabels`, formatted once per series. */
  getForPromString(): Promise<MetricSnapshot<TextSample>> {
    const values: TextSample[] = [];
    for (const s of this.#series.values()) {
      if (s.shown) s.appendTo(values, this.name, this.#leLabels);
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** prom-client's Histogram.get(): fresh label objects `{le, ...series labels}` (getMetricsAsJSON, clusters). */
  async get(): Promise<MetricSnapshot> {
    const text = await this.getForPromString();
    const values = text.values.map(({ sharedLabels, labels, ...rest }): Sample => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return { ...text, values };
  }

  /** Zeroes every series; handles stay valid. Series disappear from the text until observed again, as in prom-client. */
  reset(): void {
    for (const s of this.#series.values()) s.reset();
  }
}
