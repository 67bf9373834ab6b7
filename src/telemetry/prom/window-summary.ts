/**
 * A Prometheus summary over a sliding window, like prom-client's Summary with maxAgeSeconds and
 * ageBuckets, but observe() is O(1): one log-scaled bucket increment in the current age bucket,
 * instead of prom-client's label hashing plus a push into every age bucket's t-digest (~8 µs).
 * Quantiles are computed at scrape time by merging the age buckets.
 *
 * Accuracy: bucket i holds [MIN·γ^i, MIN·γ^(i+1)) with γ = 1.02 and is reported at the point whose
 * relative distance to both edges is (γ-1)/(γ+1) < 1 %, clamped to the window's exact min and max;
 * so a quantile is within 1 % of the sample of rank ceil(q·n), and quantiles 0 and 1 are exact.
 * Values at or below MIN (1e-6) count in the first bucket, values above MAX (≥ 1e4) in the last.
 */
import { checkMetricConfig, frozenLabels, registerOn, seriesKey, type AnyRegistry, type LabelSet, type MetricSnapshot, type Sample } from './labels';

const GAMMA = 1.02;
const MIN = 1e-6;
const MAX = 1e4;
const INV_LOG_GAMMA = 1 / Math.log(GAMMA);
/** Bucket count so that MIN·γ^BUCKETS >= MAX (1163). */
const BUCKETS = Math.ceil(Math.log(MAX / MIN) * INV_LOG_GAMMA);
/** Reported value of bucket i: MIN·γ^i · 2γ/(γ+1). */
const REPRESENTATIVE = Float64Array.from({ length: BUCKETS }, (_, i) => MIN * GAMMA ** i * ((2 * GAMMA) / (GAMMA + 1)));

function bucketOf(value: number): number {
  if (value <= MIN) return 0;
  const i = Math.floor(Math.log(value / MIN) * INV_LOG_GAMMA);
  return i < BUCKETS ? i : BUCKETS - 1;
}

/**
 * 1-based rank of quantile q among n samples: ceil(q·n), shrunk by 1e-12 relative so that float
 * noise (0.7 · 10 = 7.000000000000001) does not skip a rank.
 */
export function nearestRank(q: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n * (1 - 1e-12))));
}

/**
 * One series' window as plain data (it crosses process boundaries as JSON): what a cluster's primary
 * needs to compute quantiles over several workers' windows, which summing quantiles cannot give.
 */
export interface SummaryWindowState {
  readonly labels: LabelSet;
  /** Samples in the window (> 0: empty windows are not exported). */
  readonly n: number;
  readonly min: number;
  readonly max: number;
  /** Non-empty buckets as [index, count, index, count, ...], ascending. */
  readonly buckets: readonly number[];
}

/**
 * The quantiles of several windows taken together (the same label set in several processes), in
 * `percentiles` order, with the accuracy of a single window (see the header).
 */
export function mergedQuantiles(windows: readonly SummaryWindowState[], percentiles: readonly number[]): number[] {
  const scratch = new Float64Array(BUCKETS);
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const w of windows) {
    n += w.n;
    min = Math.min(min, w.min);
    max = Math.max(max, w.max);
    for (let k = 0; k + 1 < w.buckets.length; k += 2) {
      const i = w.buckets[k] as number;
      if (i >= 0 && i < BUCKETS) scratch[i] = (scratch[i] as number) + (w.buckets[k + 1] as number);
    }
  }
  const order = percentiles.map((_, i) => i).sort((a, b) => (percentiles[a] as number) - (percentiles[b] as number));
  return n === 0 ? new Array<number>(percentiles.length).fill(0) : quantilesOf(scratch, n, min, max, percentiles, order);
}

/**
 * Quantiles from merged bucket counts (`counts`, BUCKETS long, zero outside the buckets of min and
 * max) of `n` > 0 samples between `min` and `max`.
 */
function quantilesOf(counts: Float64Array, n: number, min: number, max: number, percentiles: readonly number[], order: readonly number[]): number[] {
  const out = new Array<number>(percentiles.length).fill(0);
  const lo = bucketOf(min);
  const hi = bucketOf(max);
  let i = lo;
  let cum = counts[lo] as number;
  for (const p of order) {
    const q = percentiles[p] as number;
    if (q <= 0) { out[p] = min; continue; }
    if (q >= 1) { out[p] = max; continue; }
    const rank = nearestRank(q, n);
    while (cum < rank && i < hi) cum += counts[++i] as number;
    out[p] = Math.min(max, Math.max(min, REPRESENTATIVE[i] as number));
  }
  return out;
}

export interface WindowSummaryConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** In [0, 1]; reported in this order. */
  readonly percentiles: readonly number[];
  /** Window length; 0 = no window (all time), as prom-client without maxAgeSeconds. */
  readonly maxAgeSeconds: number;
  /** Slices the window is rotated in (integer >= 1). */
  readonly ageBuckets: number;
  /** Default: prom-client's global registry, as prom-client's metrics. */
  readonly registers?: readonly AnyRegistry[];
  /** Clock in ms, for tests; default Date.now. */
  readonly now?: () => number;
}

/** The window and totals of one label set. */
export class SummarySeries {
  readonly labels: LabelSet;
  readonly #now: () => number;
  readonly #slices: number;
  /** ms per age bucket; Infinity without a window. */
  readonly #interval: number;
  /** slices × BUCKETS counts, slice-major. */
  readonly #counts: Float64Array;
  readonly #sliceCount: Float64Array;
  readonly #sliceMin: Float64Array;
  readonly #sliceMax: Float64Array;
  #current = 0;
  #lastRotate: number;
  #sum = 0;
  #count = 0;
  /** Observed before a reset(): prom-client's Summary.reset() keeps such series, zeroed. */
  #shown = false;

  constructor(labels: LabelSet, slices: number, interval: number, now: () => number, shown: boolean) {
    this.labels = labels;
    this.#now = now;
    this.#slices = slices;
    this.#interval = interval;
    this.#counts = new Float64Array(slices * BUCKETS);
    this.#sliceCount = new Float64Array(slices);
    this.#sliceMin = new Float64Array(slices).fill(Infinity);
    this.#sliceMax = new Float64Array(slices).fill(-Infinity);
    // Phase of the rotations: from the series' creation (prom-client: its first observation).
    this.#lastRotate = now();
    this.#shown = shown;
  }

  /** O(1), no allocation. NaN and ±Infinity are dropped (prom-client throws on them). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const t = this.#now();
    if (t - this.#lastRotate > this.#interval) this.#rotate(t);
    const s = this.#current;
    const i = s * BUCKETS + bucketOf(value);
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sliceCount[s] = (this.#sliceCount[s] as number) + 1;
    if (value < (this.#sliceMin[s] as number)) this.#sliceMin[s] = value;
    if (value > (this.#sliceMax[s] as number)) this.#sliceMax[s] = value;
    this.#sum += value;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  get shown(): boolean {
    return this.#count > 0 || this.#shown;
  }

  /**
   * prom-client's rotation (lib/timeWindowQuantiles.js): every `interval` ms past the last
   * rotation, the oldest slice is emptied and becomes the current one, so the merged slices cover
   * the last (slices-1)..slices intervals. A long idle gap empties everything at once.
   */
  #rotate(t: number): void {
    // prom-client rotates while elapsed > interval: ceil(elapsed/interval) - 1 times.
    const steps = Math.ceil((t - this.#lastRotate) / this.#interval) - 1;
    if (steps <= 0) return;
    this.#lastRotate += steps * this.#interval;
    for (let k = 0; k < Math.min(steps, this.#slices); k++) {
      const s = (this.#current = (this.#current + 1) % this.#slices);
      this.#counts.fill(0, s * BUCKETS, (s + 1) * BUCKETS);
      this.#sliceCount[s] = 0;
      this.#sliceMin[s] = Infinity;
      this.#sliceMax[s] = -Infinity;
    }
  }

  /**
   * The window's quantiles, in `percentiles` order (`order` sorts them ascending), 0 for an empty
   * window as prom-client (an empty t-digest gives undefined, reported as 0). `scratch`: BUCKETS long.
   */
  quantiles(percentiles: readonly number[], order: readonly number[], scratch: Float64Array): number[] {
    const w = this.#mergeSlices(scratch);
    return w.n === 0 ? new Array<number>(percentiles.length).fill(0) : quantilesOf(scratch, w.n, w.min, w.max, percentiles, order);
  }

  /** The window as plain data (see SummaryWindowState); undefined when it is empty. `scratch`: BUCKETS long. */
  windowState(scratch: Float64Array): SummaryWindowState | undefined {
    const { n, min, max } = this.#mergeSlices(scratch);
    if (n === 0) return undefined;
    const buckets: number[] = [];
    for (let i = bucketOf(min); i <= bucketOf(max); i++) {
      const c = scratch[i] as number;
      if (c > 0) buckets.push(i, c);
    }
    return { labels: this.labels, n, min, max, buckets };
  }

  /**
   * Rotates, then sums the slices' counts into `scratch` between the buckets of the window's min and
   * max (only those can hold anything). Returns the window's sample count, min and max.
   */
  #mergeSlices(scratch: Float64Array): { n: number; min: number; max: number } {
    this.#rotate(this.#now());
    let n = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let s = 0; s < this.#slices; s++) {
      n += this.#sliceCount[s] as number;
      min = Math.min(min, this.#sliceMin[s] as number);
      max = Math.max(max, this.#sliceMax[s] as number);
    }
    if (n === 0) return { n, min, max };
    const lo = bucketOf(min);
    const hi = bucketOf(max);
    scratch.fill(0, lo, hi + 1);
    for (let s = 0; s < this.#slices; s++) {
      if (this.#sliceCount[s] === 0) continue;
      const base = s * BUCKETS;
      for (let i = lo; i <= hi; i++) scratch[i] = (scratch[i] as number) + (this.#counts[base + i] as number);
    }
    return { n, min, max };
  }

  reset(): void {
    this.#shown = this.shown;
    this.#counts.fill(0);
    this.#sliceCount.fill(0);
    this.#sliceMin.fill(Infinity);
    this.#sliceMax.fill(-Infinity);
    this.#sum = 0;
    this.#count = 0;
  }
}

export class WindowSummary {
  readonly name: string;
  readonly help: string;
  readonly type = 'summary';
  /** How AggregatorRegistry combines cluster workers' values; the cluster's primary replaces the summed quantiles with mergedQuantiles (lifecycle/cluster.ts). */
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[];
  readonly percentiles: readonly number[];
  readonly maxAgeSeconds: number;
  readonly ageBuckets: number;
  readonly #order: readonly number[];
  readonly #slices: number;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #scratch = new Float64Array(BUCKETS);
  /** In creation order, which is the order of the text. */
  readonly #series = new Map<string, SummarySeries>();

  constructor(config: WindowSummaryConfig) {
    const { name, help, labelNames, percentiles, maxAgeSeconds, ageBuckets } = config;
    checkMetricConfig('WindowSummary', name, help, labelNames, 'quantile');
    for (const q of percentiles) {
      if (!(q >= 0 && q <= 1)) throw new Error(`WindowSummary ${name}: percentile ${q} is not in [0, 1]`);
    }
    if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) throw new Error(`WindowSummary ${name}: maxAgeSeconds must be >= 0`);
    if (!(Number.isInteger(ageBuckets) && ageBuckets >= 1)) throw new Error(`WindowSummary ${name}: ageBuckets must be an integer >= 1`);
    this.name = name;
    this.help = help;
    this.labelNames = Object.freeze([...labelNames]);
    this.percentiles = Object.freeze([...percentiles]);
    this.maxAgeSeconds = maxAgeSeconds;
    this.ageBuckets = ageBuckets;
    this.#order = Object.freeze(percentiles.map((_, i) => i).sort((a, b) => (percentiles[a] as number) - (percentiles[b] as number)));
    // Without a window one slice that never rotates, as prom-client (shouldRotate false).
    this.#slices = maxAgeSeconds > 0 ? ageBuckets : 1;
    this.#interval = maxAgeSeconds > 0 ? (maxAgeSeconds * 1000) / ageBuckets : Infinity;
    // Date.now (60-90 ns) rather than a shared coarse clock: no module state, no timer to stop.
    this.#now = config.now ?? Date.now;
    // prom-client's unlabelled summary exists (all zeros) from the start.
    if (labelNames.length === 0) this.#series.set(seriesKey(name, [], {}), this.#newSeries(Object.freeze({}), true));
    registerOn(this, config.registers);
  }

  #newSeries(labels: LabelSet, shown: boolean): SummarySeries {
    return new SummarySeries(labels, this.#slices, this.#interval, this.#now, shown);
  }

  /** The handle of one label set: same values, same handle. Throws unless the names are exactly labelNames. */
  series(labels: LabelSet): SummarySeries {
    const key = seriesKey(this.name, this.labelNames, labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = this.#newSeries(frozenLabels(labels), false);
      this.#series.set(key, s);
    }
    return s;
  }

  /** prom-client's Summary.get(): per series the quantiles (`quantile` label first), _sum, _count. */
  get(): Promise<MetricSnapshot> {
    const values: Sample[] = [];
    for (const s of this.#series.values()) {
      // A series appears once observed, as in prom-client (whose series are created by observe).
      if (!s.shown) continue;
      const qs = s.quantiles(this.percentiles, this.#order, this.#scratch);
      for (let p = 0; p < qs.length; p++) values.push({ labels: { quantile: this.percentiles[p] as number, ...s.labels }, value: qs[p] as number });
      // Copies: the series' own label object is frozen, and get()'s consumers may edit theirs.
      values.push({ metricName: `${this.name}_sum`, labels: { ...s.labels }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...s.labels }, value: s.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** Every non-empty window, for merging across processes (see mergedQuantiles). */
  windowStates(): SummaryWindowState[] {
    const out: SummaryWindowState[] = [];
    for (const s of this.#series.values()) {
      const state = s.windowState(this.#scratch);
      if (state !== undefined) out.push(state);
    }
    return out;
  }

  /** Empties windows and totals; handles stay valid. Observed series stay in the text, zeroed, as in prom-client. */
  reset(): void {
    for (const s of this.#series.values()) s.reset();
  }
}
