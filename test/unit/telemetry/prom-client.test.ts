import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as promClient from 'prom-client';
import { AggregatorRegistry, Counter, Gauge, globalRegistry, Histogram, Registry } from '../../../src/telemetry/prom/client';
import { collectDefaultMetrics } from '../../../src/telemetry/prom/default-metrics';

test('the parts loaded from their own files are the objects prom-client\'s index exports', () => {
  assert.equal(Registry, promClient.Registry);
  assert.equal(globalRegistry, promClient.register);
  assert.equal(Counter, promClient.Counter);
  assert.equal(Gauge, promClient.Gauge);
  assert.equal(Histogram, promClient.Histogram);
  assert.equal(AggregatorRegistry, promClient.AggregatorRegistry);
});

/** Name, type and help of every metric, in exposition order. */
async function shape(registry: promClient.Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => `${m.name} ${m.type} ${m.help}`);
}

test('the default metrics are prom-client\'s: same names, types, help and order', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  collectDefaultMetrics(ours);
  promClient.collectDefaultMetrics({ register: theirs });
  const expected = await shape(theirs);
  assert.ok(expected.length > 20, `prom-client registered only ${expected.length} default metrics`);
  assert.deepEqual(await shape(ours), expected);
  // The same label sets too (e.g. nodejs_heap_space_size_total_bytes{space}, nodejs_version_info{version,...}).
  const labelKeys = async (r: promClient.Registry): Promise<string[]> => (await r.getMetricsAsJSON()).map((m) => `${m.name}: ${[...new Set(m.values.flatMap((v) => Object.keys(v.labels)))].sort().join(',')}`);
  assert.deepEqual(await labelKeys(ours), await labelKeys(theirs));
});

test('the CPU counters count this process\'s CPU time, user + system = total', async () => {
  const registry = new Registry();
  collectDefaultMetrics(registry);
  const read = async (): Promise<{ user: number; system: number; total: number }> => {
    const json = await registry.getMetricsAsJSON();
    const value = (name: string): number => json.find((m) => m.name === name)?.values[0]?.value ?? Number.NaN;
    return { user: value('process_cpu_user_seconds_total'), system: value('process_cpu_system_seconds_total'), total: value('process_cpu_seconds_total') };
  };
  const before = await read();
  const start = process.cpuUsage();
  const until = performance.now() + 60;
  let spin = 0;
  while (performance.now() < until) spin += Math.sqrt(spin + 1);
  const burnt = process.cpuUsage(start);
  const after = await read();
  assert.ok(Number.isFinite(spin));
  const grew = after.user - before.user;
  assert.ok(grew >= (burnt.user / 1e6) * 0.9, `user CPU grew by ${grew} s while this test burnt ${burnt.user / 1e6} s`);
  assert.ok(Math.abs(after.total - (after.user + after.system)) < 1e-9, JSON.stringify(after));
});
