import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { FastHistogram } from '../../../src/telemetry/prom';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const LABELS = ['deployment_name', 'service', 'method', 'code'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

const label = (service: string, code: string): Labels => ({ deployment_name: 'dep', service, method: 'post', code });
/** Several label sets, one with values that need escaping. */
const SETS: readonly Labels[] = [label('predictions', '200'), label('predictions', '500'), label('feedback', '200'), label('we"ird\\\n', '200')];

/** Deterministic values: every bound exactly, 0, negatives, huge, tiny and pseudo-random ones. */
function values(seed: number): number[] {
  const out = [...BUCKETS, 0, -1, 1e12, Number.MAX_SAFE_INTEGER, 1e-9, 10.000001];
  let x = seed;
  for (let i = 0; i < 500; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push((x / 2 ** 31) ** 3 * 12);
  }
  return out;
}

/** The same observations into a prom-client Histogram and a FastHistogram, each on its own registry. */
function pair(name = 'h_seconds', seed = 1, contentType: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE): { prom: Registry<RegistryContentType>; fast: Registry<RegistryContentType> } {
  const prom = new Registry<RegistryContentType>();
  const fast = new Registry<RegistryContentType>();
  prom.setContentType(contentType);
  fast.setContentType(contentType);
  const h = new Histogram({ name, help: 'help with \\ and\nnewline', labelNames: LABELS, buckets: BUCKETS, registers: [prom] });
  const f = new FastHistogram({ name, help: 'help with \\ and\nnewline', labelNames: LABELS, buckets: BUCKETS, registers: [fast] });
  const vs = values(seed);
  // Series created in first-observation order, the order of prom-client's text.
  const handles = SETS.map((l) => f.series(l));
  vs.forEach((v, i) => {
    const k = i % SETS.length;
    h.observe(SETS[k] as Labels, v);
    handles[k]?.observe(v);
  });
  return { prom, fast };
}

test('Prometheus text equals prom-client Histogram for the same observations', async () => {
  const { prom, fast } = pair();
  const text = await fast.metrics();
  assert.equal(text, await prom.metrics());
  assert.match(text, /h_seconds_bucket\{le="\+Inf",deployment_name="dep",service="predictions",method="post",code="200"\} \d+/);
});

test('OpenMetrics text and get() JSON equal prom-client too', async () => {
  const { prom, fast } = pair('h_seconds', 1, Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(await fast.metrics(), await prom.metrics());
  const json = async (r: Registry<RegistryContentType>): Promise<unknown> => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
  assert.deepEqual(await json(fast), await json(prom));
});

test('an unlabelled histogram shows zeros before any observation, as prom-client, and equals it after', async () => {
  const prom = new Registry();
  const fast = new Registry();
  const h = new Histogram({ name: 'u', help: 'u', buckets: [1, 2], registers: [prom] });
  const s = new FastHistogram({ name: 'u', help: 'u', labelNames: [], buckets: [1, 2], registers: [fast] }).series({});
  assert.equal(await fast.metrics(), await prom.metrics());
  for (const v of [0.5, 2, 3]) {
    h.observe(v);
    s.observe(v);
  }
  assert.equal(await fast.metrics(), await prom.metrics());
});

test('default labels of the registry render as with prom-client', async () => {
  const { prom, fast } = pair();
  prom.setDefaultLabels({ pod: 'p-1', code: 'overridden?' });
  fast.setDefaultLabels({ pod: 'p-1', code: 'overridden?' });
  assert.equal(await fast.metrics(), await prom.metrics());
});

test('AggregatorRegistry.aggregate sums two workers exactly as it sums prom-client histograms', async () => {
  const a = pair('agg', 1);
  const b = pair('agg', 2);
  const fast = AggregatorRegistry.aggregate([await a.fast.getMetricsAsJSON(), await b.fast.getMetricsAsJSON()]);
  const prom = AggregatorRegistry.aggregate([await a.prom.getMetricsAsJSON(), await b.prom.getMetricsAsJSON()]);
  const text = await fast.metrics();
  assert.equal(text, await prom.metrics());
  // And the sum is the sum: each worker's count of one series, then the aggregate.
  const countOf = (t: string): number => Number(/^agg_count\{deployment_name="dep",service="predictions",method="post",code="200"\} (\d+)$/m.exec(t)?.[1]);
  const one = countOf(await a.fast.metrics());
  const two = countOf(await b.fast.metrics());
  assert.ok(one > 0 && two > 0);
  assert.equal(countOf(text), one + two);
});

test('series(): same values give the same handle; wrong label names or non-strings throw', () => {
  const f = new FastHistogram({ name: 'v', help: 'v', labelNames: ['a', 'b'], buckets: [1], registers: [] });
  const s = f.series({ a: '1', b: '2' });
  assert.equal(f.series({ b: '2', a: '1' }), s);
  assert.notEqual(f.series({ a: '1', b: '3' }), s);
  assert.throws(() => f.series({ a: '1' }), /labels must be exactly \[a, b\]; missing \[b\]/);
  assert.throws(() => f.series({ a: '1', b: '2', c: '3' }), /unknown \[c\]/);
  assert.throws(() => f.series({ a: '1', c: '2' }), /missing \[b\]; unknown \[c\]/);
  assert.throws(() => f.series({ a: '1', b: 2 } as unknown as Record<string, string>), /label b must be a string/);
});

test('the constructor refuses what prom-client refuses, and unsorted buckets', () => {
  const base = { name: 'x', help: 'x', labelNames: [] as string[], buckets: [1, 2], registers: [] };
  assert.throws(() => new FastHistogram({ ...base, labelNames: ['le'] }), /le is a reserved label name/);
  assert.throws(() => new FastHistogram({ ...base, name: 'bad-name' }), /invalid metric name/);
  assert.throws(() => new FastHistogram({ ...base, labelNames: ['a-b'] }), /invalid label name/);
  assert.throws(() => new FastHistogram({ ...base, buckets: [2, 1] }), /strictly increasing/);
  assert.throws(() => new FastHistogram({ ...base, buckets: [1, Infinity] }), /not finite/);
  const r = new Registry();
  new FastHistogram({ ...base, registers: [r] });
  assert.throws(() => new FastHistogram({ ...base, registers: [r] }), /already been registered/);
});

test('NaN and infinities are dropped; reset() clears, hides the series and keeps handles working', async () => {
  const r = new Registry();
  const f = new FastHistogram({ name: 'z', help: 'z', labelNames: ['a'], buckets: [1], registers: [r] });
  const s = f.series({ a: 'x' });
  f.series({ a: 'never' });
  assert.equal(await r.metrics(), '# HELP z z\n# TYPE z histogram\n', 'series appear once observed');
  s.observe(Number.NaN);
  s.observe(Infinity);
  s.observe(-Infinity);
  s.observe(0.5);
  s.observe(2);
  assert.equal(s.count, 2);
  assert.equal(
    await r.metrics(),
    ['# HELP z z', '# TYPE z histogram', 'z_bucket{le="1",a="x"} 1', 'z_bucket{le="+Inf",a="x"} 2', 'z_sum{a="x"} 2.5', 'z_count{a="x"} 2', ''].join('\n'),
  );
  r.resetMetrics();
  assert.equal(s.count, 0);
  assert.equal(s.sum, 0);
  assert.equal(await r.metrics(), '# HELP z z\n# TYPE z histogram\n');
  s.observe(3);
  assert.match(await r.metrics(), /z_bucket\{le="1",a="x"\} 0\nz_bucket\{le="\+Inf",a="x"\} 1\nz_sum\{a="x"\} 3\n/);
});
