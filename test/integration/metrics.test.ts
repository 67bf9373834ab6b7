/**
 * Seldon's executor metrics (reference section 7; reliability R9/R11 cardinality): names, labels,
 * buckets and counts after real traffic, scraped from the real engine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { restEndpoint, startChild, type ChildReply, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { rawRequest } from '../helpers/raw-http';
import { parseExposition, select, seriesKey, valueOf, type Sample } from '../helpers/prometheus';

const SERVER = 'seldon_api_executor_server_requests_seconds';
const CLIENT = 'seldon_api_executor_client_requests_seconds';
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];
const QUANTILES = ['0.5', '0.75', '0.9', '0.98', '0.99', '1'];
const PREDICTOR = { deployment_name: 'dep1', predictor_name: 'pred1', predictor_version: 'v7' };
const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const GOOD = 5;
const FAILED = 2;

async function scrape(engine: RunningEngine, path = '/metrics'): Promise<Sample[]> {
  const reply = await rawRequest(engine.port, { path });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.headers['content-type'], EXPOSITION_TYPE);
  return parseExposition(reply.text);
}

/** `{label: value}` of every `<name>_count` series, as sorted JSON lines, with its count. */
function counts(samples: readonly Sample[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of select(samples, `${name}_count`)) out[JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()))] = s.value;
  return out;
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort()));
}

function serverLabels(service: string, method: string, code: string): Record<string, string> {
  return { ...PREDICTOR, service, method, code };
}

function clientLabels(service: string, model: [name: string, image: string, version: string], method: string, code: string): Record<string, string> {
  return { ...PREDICTOR, service, model_name: model[0], model_image: model[1], model_version: model[2], method, code };
}

describe('metrics after traffic (chain m -> m2 -> m3)', () => {
  const M: [string, string, string] = ['m', 'foo', '0.1'];
  const M2: [string, string, string] = ['m2', 'reg:5000/img', '1.2'];
  const M3: [string, string, string] = ['m3', '', '']; // no container in componentSpecs
  let m: ChildServer;
  let m2: ChildServer;
  let m3: ChildServer;
  let engine: RunningEngine;
  let samples: Sample[];

  before(async () => {
    const model = (fail: boolean): Promise<ChildServer> => startChild((call): ChildReply => {
      if (call.path === '/health/status') return { json: { status: 'ok' } };
      return fail && call.headers['x-fail'] === 'yes' ? { status: 500, json: { error: 'boom' } } : { json: { data: { ndarray: [[1]] } } };
    });
    m = await model(false);
    m2 = await model(true);
    m3 = await model(false);
    const leaf = { name: 'm3', type: 'MODEL', endpoint: restEndpoint(m3.port), children: [] };
    const spec = {
      name: 'pred1',
      annotations: { version: 'v7' },
      componentSpecs: [{ spec: { containers: [{ name: 'm', image: 'foo:0.1' }, { name: 'm2', image: 'reg:5000/img:1.2' }, { name: 'unused', image: 'bar:9' }] } }],
      graph: { name: 'm', type: 'MODEL', endpoint: restEndpoint(m.port), children: [{ name: 'm2', type: 'MODEL', endpoint: restEndpoint(m2.port), children: [leaf] }] },
    };
    engine = await startEngine({ spec, args: ['--sdep=dep1'] });

    const predict = (strData: string): Promise<number> =>
      rawRequest(engine.port, { method: 'POST', path: '/api/v1.0/predictions', headers: { 'content-type': 'application/json', 'x-fail': strData === 'fail' ? 'yes' : 'no' }, body: JSON.stringify({ strData }) }).then((r) => r.status);
    for (let i = 0; i < GOOD; i++) assert.equal(await predict('ok'), 200);
    for (let i = 0; i < FAILED; i++) assert.equal(await predict('fail'), 500);
    assert.equal((await rawRequest(engine.port, { path: '/api/v1.0/status/m' })).status, 200);
    // None of these is recorded (section 7): OPTIONS, /ready, /live, the metrics path, route misses.
    assert.equal((await rawRequest(engine.port, { method: 'OPTIONS', path: '/api/v1.0/predictions' })).status, 200);
    assert.equal((await rawRequest(engine.port, { path: '/ready' })).status, 200);
    assert.equal((await rawRequest(engine.port, { path: '/live' })).status, 200);
    assert.equal((await rawRequest(engine.port, { path: '/metrics' })).status, 200);
    assert.equal((await rawRequest(engine.port, { path: '/not-a-route' })).status, 404);
    samples = await scrape(engine);
  });

  after(async () => {
    await engine?.stop();
    await Promise.all([m, m2, m3].map((c) => c?.close()));
  });

  test('server histogram: one series per (service, method, code), counting exactly the requests sent', () => {
    assert.deepEqual(counts(samples, SERVER), {
      [key(serverLabels('predictions', 'post', '200'))]: GOOD,
      [key(serverLabels('predictions', 'post', '500'))]: FAILED,
      [key(serverLabels('status', 'get', '200'))]: 1,
    });
  });

  test('server summary: the same series and counts, with Seldon\'s objectives', () => {
    assert.deepEqual(counts(samples, `${SERVER}_summary`), counts(samples, SERVER));
    const quantiles = select(samples, `${SERVER}_summary`, serverLabels('predictions', 'post', '200')).map((s) => s.labels.quantile);
    assert.deepEqual(quantiles, QUANTILES);
    const sum = valueOf(samples, `${SERVER}_summary_sum`, serverLabels('predictions', 'post', '200'));
    assert.ok(sum > 0 && sum < GOOD * 1, `sum of ${GOOD} fast requests: ${sum} s`);
  });

  test('client histogram: per node and child path, with model_image / model_version from componentSpecs', () => {
    assert.deepEqual(counts(samples, CLIENT), {
      [key(clientLabels('/predict', M, 'post', '200'))]: GOOD + FAILED,
      [key(clientLabels('/health/status', M, 'get', '200'))]: 1,
      [key(clientLabels('/predict', M2, 'post', '200'))]: GOOD,
      [key(clientLabels('/predict', M2, 'post', '500'))]: FAILED,
      [key(clientLabels('/predict', M3, 'post', '200'))]: GOOD,
    });
    assert.deepEqual(counts(samples, `${CLIENT}_summary`), counts(samples, CLIENT));
    assert.equal(m.calls.length, GOOD + FAILED + 1);
    assert.equal(m3.calls.length, GOOD);
  });

  test('buckets are exactly Seldon\'s, cumulative, ending at the count', () => {
    for (const [name, labels, count] of [
      [SERVER, serverLabels('predictions', 'post', '200'), GOOD],
      [SERVER, serverLabels('predictions', 'post', '500'), FAILED],
      [CLIENT, clientLabels('/predict', M2, 'post', '200'), GOOD],
    ] as const) {
      const buckets = select(samples, `${name}_bucket`, labels);
      assert.deepEqual(buckets.map((b) => b.labels.le), BUCKETS, name);
      const values = buckets.map((b) => b.value);
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `${name} buckets are not cumulative: ${values.join()}`);
      assert.equal(values.at(-1), count);
      assert.equal(valueOf(samples, `${name}_count`, labels), count);
    }
  });

  test('process metrics are exposed', () => {
    assert.equal(select(samples, 'process_cpu_seconds_total').length, 1);
    assert.ok(select(samples, 'process_resident_memory_bytes').length === 1);
    assert.ok(samples.some((s) => s.name.startsWith('nodejs_')));
  });

  test('random node names and paths create no new series', async () => {
    // Warm up every route the random requests take, then compare series before and after.
    const unknown = async (): Promise<void> => {
      const id = randomUUID();
      assert.equal((await rawRequest(engine.port, { path: `/api/v1.0/status/${id}` })).status, 404);
      assert.equal((await rawRequest(engine.port, { path: `/api/v1.0/metadata/${id}` })).status, 404);
      assert.equal((await rawRequest(engine.port, { method: 'POST', path: `/api/v1.0/${id}`, body: '{}' })).status, 404);
    };
    await unknown();
    const seldon = (all: Sample[]): string[] => all.filter((s) => s.name.startsWith('seldon_')).map(seriesKey).sort();
    const beforeSamples = await scrape(engine);
    const N = 200;
    for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: 20 }, unknown));
    const afterSamples = await scrape(engine);
    assert.deepEqual(seldon(afterSamples), seldon(beforeSamples));
    const status404 = serverLabels('status', 'get', '404');
    assert.equal(valueOf(afterSamples, `${SERVER}_count`, status404), 1 + N);
    assert.equal(valueOf(afterSamples, `${SERVER}_count`, serverLabels('metadata', 'get', '404')), 1 + N);
    assert.ok(!afterSamples.some((s) => s.name.startsWith('seldon_') && Object.values(s.labels).some((v) => /^[0-9a-f]{8}-/.test(v))), 'a random name became a label value');
  });

  test('refused methods: the standard ones by name, every other one as "other"', async () => {
    for (const method of ['PURGE', 'LOCK', 'MKCOL', 'PUT']) {
      assert.equal((await rawRequest(engine.port, { method, path: '/api/v1.0/predictions', body: '' })).status, 405, method);
    }
    const samples = await scrape(engine);
    assert.equal(valueOf(samples, `${SERVER}_count`, serverLabels('predictions', 'other', '405')), 3);
    assert.equal(valueOf(samples, `${SERVER}_count`, serverLabels('predictions', 'put', '405')), 1);
    assert.ok(!samples.some((s) => s.labels['method'] === 'purge' || s.labels['method'] === 'lock'));
  });
});

describe('metrics on a custom --prometheus_path', () => {
  let engine: RunningEngine;

  before(async () => {
    engine = await startEngine({ args: ['--demo', '--prometheus_path=/custom/prom'] });
  });

  after(async () => {
    await engine?.stop();
  });

  test('served on the custom path only; the demo graph\'s predictions are counted there', async () => {
    const predict = await rawRequest(engine.port, { method: 'POST', path: '/api/v1.0/predictions', headers: { 'content-type': 'application/json' }, body: '{"data":{"ndarray":[[1,2]]}}' });
    assert.equal(predict.status, 200, predict.text);
    const reply = await rawRequest(engine.port, { path: '/custom/prom' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], EXPOSITION_TYPE);
    assert.match(reply.text, /^# TYPE seldon_api_executor_server_requests_seconds histogram$/m);
    const samples = parseExposition(reply.text);
    const predictions = select(samples, `${SERVER}_count`, { service: 'predictions', method: 'post', code: '200' });
    assert.equal(predictions.length, 1);
    assert.equal(predictions[0]?.value, 1);
    assert.equal((await rawRequest(engine.port, { path: '/metrics' })).status, 404);
  });
});
