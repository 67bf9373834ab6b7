/**
 * ns per observe of the executor's metric shapes: prom-client Histogram and Summary (labels object
 * pre-built and frozen, as src/telemetry/metrics.ts does) against FastHistogram and WindowSummary
 * series handles. 9 labels, Seldon's 14 buckets, quantiles 0.5..1 over 600 s in 5 age buckets.
 *
 *   node dist/bench/micro/metrics-observe.js [--n 200000] [--rounds 7]
 *
 * Rounds interleave the four variants so machine noise hits all of them; the median is printed.
 */
import { Histogram, Registry, Summary } from 'prom-client';
import { FastHistogram, WindowSummary } from '../../src/telemetry/prom';
import { intFlag } from './int-flag';


const N = intFlag('n', 200_000, 10_000_000);
const ROUNDS = intFlag('rounds', 7, 10_000_000);

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const PERCENTILES = [0.5, 0.75, 0.9, 0.98, 0.99, 1.0];
const LABEL_NAMES = ['deployment_name', 'predictor_name', 'predictor_version', 'service', 'model_name', 'model_image', 'model_version', 'method', 'code'] as const;
const LABELS = Object.freeze({
  deployment_name: 'sdep', predictor_name: 'default', predictor_version: 'v1', service: '/predict',
  model_name: 'classifier', model_image: 'seldonio/mock_classifier', model_version: '1.19.0', method: 'post', code: '200',
});

// Latency-like values (log-normal around 5 ms), pre-drawn so the loop measures only observe.
const VALUES = Float64Array.from({ length: 4096 }, () => Math.exp(Math.log(0.005) + 1.5 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random())));
const MASK = VALUES.length - 1;

const registry = new Registry();
const registers = [registry];
const promHistogram = new Histogram({ name: 'prom_histogram', help: 'h', labelNames: LABEL_NAMES, buckets: BUCKETS, registers });
const promSummary = new Summary({ name: 'prom_summary', help: 's', labelNames: LABEL_NAMES, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers });
const fastHistogram = new FastHistogram({ name: 'fast_histogram', help: 'h', labelNames: LABEL_NAMES, buckets: BUCKETS, registers }).series(LABELS);
const windowSummary = new WindowSummary({ name: 'window_summary', help: 's', labelNames: LABEL_NAMES, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers }).series(LABELS);

const variants: Record<string, (v: number) => void> = {
  'prom-client Histogram.observe(labels, v)': (v) => promHistogram.observe(LABELS, v),
  'prom-client Summary.observe(labels, v)': (v) => promSummary.observe(LABELS, v),
  'FastHistogram series.observe(v)': (v) => fastHistogram.observe(v),
  'WindowSummary series.observe(v)': (v) => windowSummary.observe(v),
};

function run(observe: (v: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) observe(VALUES[i & MASK] as number);
  return Number(process.hrtime.bigint() - t0) / N;
}

const samples = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (const observe of Object.values(variants)) run(observe); // warm-up: JIT and series creation
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, observe] of Object.entries(variants)) samples.get(name)?.push(run(observe));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
console.log(`ns per observe, median of ${ROUNDS} rounds of ${N} (min..max)`);
for (const [name, xs] of samples) {
  console.log(`${name.padEnd(44)} ${median(xs).toFixed(1).padStart(8)}   (${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`);
}
// One scrape of each (one series), so the rendering cost is visible too (not on the request path).
async function scrapes(): Promise<void> {
  for (const name of ['prom_histogram', 'prom_summary', 'fast_histogram', 'window_summary']) {
    const t0 = process.hrtime.bigint();
    await registry.getSingleMetricAsString(name);
    console.log(`scrape ${name.padEnd(15)} ${(Number(process.hrtime.bigint() - t0) / 1e3).toFixed(0).padStart(6)} µs`);
  }
}
void scrapes();
