import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Registry, Summary } from 'prom-client';
import { mergedQuantiles, WindowSummary, type SummaryWindowState } from '../../../src/telemetry/prom';
import { nearestRank } from '../../../src/telemetry/prom/window-summary';

const PERCENTILES = [0.5, 0.75, 0.9, 0.98, 0.99, 1];
const LABELS = ['service', 'code'] as const;

/** mulberry32: deterministic, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  // Latencies between 50 µs and 5 s, median 5 ms.
  lognormal: (r) => Math.min(5, Math.max(50e-6, Math.exp(Math.log(0.005) + 1.5 * gaussian(r)))),
  exponential: (r) => -0.02 * Math.log(1 - r()),
  uniform: (r) => 0.001 + r() * 10,
  bimodal: (r) => (r() < 0.9 ? 0.001 * (1 + r()) : 2 + r()),
  constant: () => 0.0375,
};

/** The quantile values of `get()` for one series, by quantile. */
async function quantilesOf(s: WindowSummary): Promise<Map<number, number>> {
  const m = await s.get();
  return new Map(m.values.filter((v) => v.metricName === undefined).map((v) => [Number(v.labels['quantile']), v.value]));
}

/** Replaces every quantile value by Q: the part of the text that may differ from prom-client's t-digest. */
const withoutQuantileValues = (text: string): string => text.replace(/^(\S*\{quantile="[^"]*"[^}]*\}) \S+$/gm, '$1 Q');

test('quantiles are within 1 % of the exact sample quantiles; 0 and 1 are the exact min and max; _sum and _count exact', async () => {
  const qs = [0, 0.001, 0.01, 0.25, 0.5, 0.75, 0.9, 0.98, 0.99, 0.999, 1];
  let seed = 1;
  for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
    for (const n of [1, 2, 3, 10, 1000, 20_000]) {
      const r = rng(seed++);
      const ws = new WindowSummary({ name: 's', help: 's', labelNames: [], percentiles: qs, maxAgeSeconds: 600, ageBuckets: 5, registers: [] });
      const series = ws.series({});
      const samples: number[] = [];
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = draw(r);
        samples.push(v);
        sum += v;
        series.observe(v);
      }
      samples.sort((a, b) => a - b);
      const got = await quantilesOf(ws);
      for (const q of qs) {
        const exact = samples[nearestRank(q, n) - 1] as number;
        const est = got.get(q) as number;
        const where = `${name} n=${n} q=${q}: estimate ${est}, exact ${exact}`;
        if (q === 0 || q === 1) assert.equal(est, exact, where);
        else assert.ok(Math.abs(est - exact) <= 0.01 * exact, where);
      }
      assert.equal(series.count, n);
      assert.equal(series.sum, sum, `${name} n=${n}: sum in observation order`);
    }
  }
});

test('out of range: 0 and negatives in the first bucket (off by ~1e-6 at most), above 1e4 in the last; min and max stay exact', async () => {
  const ws = new WindowSummary({ name: 'r', help: 'r', labelNames: [], percentiles: [0, 0.5, 1], maxAgeSeconds: 600, ageBuckets: 5, registers: [] });
  const s = ws.series({});
  for (const v of [0, 0, 0, -1, 1e9]) s.observe(v);
  const [min, median, max] = (await quantilesOf(ws)).values();
  assert.equal(min, -1);
  assert.ok(median !== undefined && median >= 0 && median < 1.02e-6, `median ${median}`);
  assert.equal(max, 1e9);
});

test('Prometheus text is prom-client Summary\'s apart from the quantile values', async () => {
  const prom = new Registry();
  const fast = new Registry();
  const p = new Summary({ name: 'lat_summary', help: 'A summary "x"', labelNames: LABELS, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [prom] });
  const f = new WindowSummary({ name: 'lat_summary', help: 'A summary "x"', labelNames: LABELS, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [fast] });
  const sets = [{ service: 'predictions', code: '200' }, { code: '500', service: 'predictions' }, { service: 'a\\"b\n', code: '200' }];
  const handles = sets.map((l) => f.series(l));
  const r = rng(42);
  for (let i = 0; i < 3000; i++) {
    const v = DISTRIBUTIONS['lognormal']?.(r) ?? 0;
    p.observe(sets[i % 3] as Record<(typeof LABELS)[number], string>, v);
    handles[i % 3]?.observe(v);
  }
  const text = await fast.metrics();
  assert.equal(withoutQuantileValues(text), withoutQuantileValues(await prom.metrics()));
  assert.match(text, /^lat_summary\{quantile="0.5",code="500",service="predictions"\} 0\.00\d+$/m);
  assert.match(text, /^lat_summary_count\{service="predictions",code="200"\} 1000$/m);
  // With the registry's default labels too.
  prom.setDefaultLabels({ pod: 'p', code: 'x' });
  fast.setDefaultLabels({ pod: 'p', code: 'x' });
  assert.equal(withoutQuantileValues(await fast.metrics()), withoutQuantileValues(await prom.metrics()));
  // After reset() both keep the observed series, all zeros: identical, quantiles included.
  prom.resetMetrics();
  fast.resetMetrics();
  assert.equal(await fast.metrics(), await prom.metrics());
});

test('an unlabelled summary shows zeros before any observation, exactly as prom-client', async () => {
  const prom = new Registry();
  const fast = new Registry();
  new Summary({ name: 'u', help: 'u', percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [prom] });
  new WindowSummary({ name: 'u', help: 'u', labelNames: [], percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [fast] });
  assert.equal(await fast.metrics(), await prom.metrics());
});

/** Replaces Date.now (prom-client's clock) for the duration of `fn`. */
async function withDateNow<T>(now: () => number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = now;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

test('window: observations older than maxAgeSeconds leave the quantiles, not _sum/_count; rotations as prom-client\'s', async () => {
  const base = 1_700_000_000_000;
  let clock = base;
  const I = 120_000; // 600 s in 5 age buckets
  const prom = new Registry();
  const fast = new Registry();
  await withDateNow(() => clock, async () => {
    const p = new Summary({ name: 'w', help: 'w', labelNames: ['a'], percentiles: [0, 0.5, 1], maxAgeSeconds: 600, ageBuckets: 5, registers: [prom] });
    const f = new WindowSummary({ name: 'w', help: 'w', labelNames: ['a'], percentiles: [0, 0.5, 1], maxAgeSeconds: 600, ageBuckets: 5, registers: [fast], now: () => clock });
    // Both windows start now: prom-client's at the first observation, ours at series().
    const s = f.series({ a: 'x' });
    const observe = (v: number): void => {
      p.observe({ a: 'x' }, v);
      s.observe(v);
    };
    observe(1);
    const line = (text: string, q: string): number => Number(new RegExp(`^w\\{quantile="${q}",a="x"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    // In age bucket k (times in (k·I, (k+1)·I]) observe k+1 three times; the window then holds
    // the values of age buckets k-4..k.
    let count = 1;
    let sum = 1;
    for (let k = 0; k < 10; k++) {
      for (const dt of [10_000, 50_000, I]) {
        clock = base + k * I + dt;
        observe(k + 1);
        count++;
        sum += k + 1;
        const text = await fast.metrics();
        const promText = await prom.metrics();
        const oldest = Math.max(0, k - 4) + 1;
        const at = `k=${k} dt=${dt}`;
        assert.equal(line(text, '0'), oldest, at);
        assert.equal(line(text, '1'), k + 1, at);
        assert.equal(line(text, '0'), line(promText, '0'), `${at}: min as prom-client's`);
        assert.equal(line(text, '1'), line(promText, '1'), `${at}: max as prom-client's`);
        // Median: nearest rank over the window's values (the single 1 at time 0 counts while k < 5).
        const window = [...(k < 5 ? [1] : [])];
        for (let j = oldest - 1; j <= k; j++) window.push(...Array<number>(j === k ? [10_000, 50_000, I].indexOf(dt) + 1 : 3).fill(j + 1));
        window.sort((x, y) => x - y);
        assert.ok(Math.abs(line(text, '0.5') - (window[nearestRank(0.5, window.length) - 1] as number)) <= 0.01 * (k + 1), `${at}: median`);
        assert.match(text, new RegExp(`^w_count\\{a="x"\\} ${count}$`, 'm'));
        assert.match(text, new RegExp(`^w_sum\\{a="x"\\} ${sum}$`, 'm'));
      }
    }
    // Idle for more than maxAgeSeconds: the window is empty (quantiles 0, as prom-client's empty
    // t-digest), the totals stay; the whole text is prom-client's.
    clock += 601_000;
    const text = await fast.metrics();
    assert.equal(line(text, '0.5'), 0);
    assert.match(text, new RegExp(`^w_count\\{a="x"\\} ${count}$`, 'm'));
    assert.equal(text, await prom.metrics());
    // And it fills again.
    observe(7);
    assert.equal(line(await fast.metrics(), '1'), 7);
    assert.equal(line(await fast.metrics(), '0'), 7);
  });
});

test('maxAgeSeconds 0: no window, everything since the start', async () => {
  let clock = 0;
  const f = new WindowSummary({ name: 'n', help: 'n', labelNames: [], percentiles: [0, 1], maxAgeSeconds: 0, ageBuckets: 5, registers: [], now: () => clock });
  const s = f.series({});
  s.observe(1);
  clock = 1e12;
  s.observe(2);
  assert.deepEqual([...(await quantilesOf(f)).values()], [1, 2]);
});

test('AggregatorRegistry.aggregate over two registries sums _sum and _count (and quantiles, as for prom-client)', async () => {
  const worker = (seed: number): { prom: Registry; fast: Registry } => {
    const prom = new Registry();
    const fast = new Registry();
    const p = new Summary({ name: 'agg', help: 'agg', labelNames: LABELS, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [prom] });
    const f = new WindowSummary({ name: 'agg', help: 'agg', labelNames: LABELS, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [fast] });
    const ok = f.series({ service: 'predictions', code: '200' });
    const r = rng(seed);
    for (let i = 0; i < 100 * seed; i++) {
      const v = r();
      p.observe({ service: 'predictions', code: '200' }, v);
      ok.observe(v);
    }
    return { prom, fast };
  };
  const a = worker(1);
  const b = worker(2);
  const fast = await AggregatorRegistry.aggregate([await a.fast.getMetricsAsJSON(), await b.fast.getMetricsAsJSON()]).metrics();
  const prom = await AggregatorRegistry.aggregate([await a.prom.getMetricsAsJSON(), await b.prom.getMetricsAsJSON()]).metrics();
  assert.equal(withoutQuantileValues(fast), withoutQuantileValues(prom));
  assert.match(fast, /^agg_count\{service="predictions",code="200"\} 300$/m);
  const sumOf = (t: string): number => Number(/^agg_sum\{service="predictions",code="200"\} (\S+)$/m.exec(t)?.[1]);
  assert.equal(sumOf(fast), sumOf(await a.fast.metrics()) + sumOf(await b.fast.metrics()));
  // The max of each worker, summed: what prom-client does with quantiles (why the README says to read histograms).
  const maxOf = (t: string): number => Number(/^agg\{quantile="1",service="predictions",code="200"\} (\S+)$/m.exec(t)?.[1]);
  assert.equal(maxOf(fast), maxOf(await a.fast.metrics()) + maxOf(await b.fast.metrics()));
});

test('series(): same values give the same handle; wrong label names throw; bad config throws', () => {
  const f = new WindowSummary({ name: 'v', help: 'v', labelNames: ['a', 'b'], percentiles: [0.5], maxAgeSeconds: 600, ageBuckets: 5, registers: [] });
  const s = f.series({ a: '1', b: '2' });
  assert.equal(f.series({ b: '2', a: '1' }), s);
  assert.throws(() => f.series({ a: '1' }), /labels must be exactly \[a, b\]; missing \[b\]/);
  assert.throws(() => f.series({ a: '1', b: '2', quantile: '3' }), /unknown \[quantile\]/);
  const base = { name: 'x', help: 'x', labelNames: [] as string[], percentiles: [0.5], maxAgeSeconds: 600, ageBuckets: 5, registers: [] };
  assert.throws(() => new WindowSummary({ ...base, labelNames: ['quantile'] }), /quantile is a reserved label name/);
  assert.throws(() => new WindowSummary({ ...base, percentiles: [1.5] }), /not in \[0, 1\]/);
  assert.throws(() => new WindowSummary({ ...base, ageBuckets: 0 }), /ageBuckets/);
  assert.throws(() => new WindowSummary({ ...base, maxAgeSeconds: -1 }), /maxAgeSeconds/);
});

test('NaN and infinities are dropped; reset() clears window and totals and keeps handles working', async () => {
  const f = new WindowSummary({ name: 'z', help: 'z', labelNames: ['a'], percentiles: [0.5, 1], maxAgeSeconds: 600, ageBuckets: 5, registers: [] });
  const s = f.series({ a: 'x' });
  f.series({ a: 'never' });
  assert.deepEqual((await f.get()).values, [], 'series appear once observed');
  s.observe(Number.NaN);
  s.observe(Infinity);
  s.observe(2);
  assert.equal(s.count, 1);
  assert.deepEqual((await f.get()).values, [
    { labels: { quantile: 0.5, a: 'x' }, value: 2 },
    { labels: { quantile: 1, a: 'x' }, value: 2 },
    { metricName: 'z_sum', labels: { a: 'x' }, value: 2 },
    { metricName: 'z_count', labels: { a: 'x' }, value: 1 },
  ]);
  f.reset();
  assert.deepEqual((await f.get()).values.map((v) => v.value), [0, 0, 0, 0]);
  s.observe(3);
  assert.deepEqual((await f.get()).values.map((v) => v.value), [3, 3, 3, 1]);
});

test('mergedQuantiles over several windows (cluster workers) equals one summary that saw every value; summing does not', async () => {
  for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
    const r = rng(7);
    const config = { help: 'h', labelNames: ['service'], percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [] };
    const parts = [0, 1, 2].map((i) => new WindowSummary({ ...config, name: `part_${i}` }));
    const whole = new WindowSummary({ ...config, name: 'whole' });
    // Uneven shares, and worker 2 sees only large values: the merged ranks must weigh each window by its size.
    for (let k = 0; k < 3_000; k++) {
      const v = draw(r);
      const i = k % 10 < 6 ? 0 : k % 10 < 9 ? 1 : 2;
      (parts[i] as WindowSummary).series({ service: 'predictions' }).observe(i === 2 ? v * 3 : v);
      whole.series({ service: 'predictions' }).observe(i === 2 ? v * 3 : v);
    }
    const windows = parts.flatMap((p) => p.windowStates());
    assert.equal(windows.length, 3, name);
    const merged = mergedQuantiles(JSON.parse(JSON.stringify(windows)) as SummaryWindowState[], PERCENTILES);
    const expected = await quantilesOf(whole);
    PERCENTILES.forEach((q, i) => assert.equal(merged[i], expected.get(q), `${name} q=${q}`));
    const summed = (await Promise.all(parts.map(quantilesOf))).reduce((acc, m) => acc + (m.get(0.5) ?? 0), 0);
    assert.notEqual(summed, expected.get(0.5), `${name}: summing medians is not the median`);
  }
  assert.deepEqual(mergedQuantiles([], PERCENTILES), PERCENTILES.map(() => 0));
});
