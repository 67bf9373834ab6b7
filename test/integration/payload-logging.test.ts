/**
 * Payload logging end to end (seldon-executor.md section 8 and quirk 16; reliability.md R8): the real
 * engine between real child servers and a real HTTP sink, all on port 0.
 *
 * - Which events each node kind sends in each logger mode, with their CloudEvents headers and
 *   byte-identical bodies (REST JSON and gRPC protobuf), feedback, the skip header, logger.url
 *   versus REQUEST_LOGGER_DEFAULT_ENDPOINT, and Seldon's two [T] cases.
 * - Isolation: a sink that is down, hangs, answers 500 or takes 2 s never fails or slows a
 *   prediction, memory stays bounded, the accounting metrics add up exactly, and delivery resumes
 *   when the sink recovers.
 * - SIGTERM delivers every queued event to a slow but healthy sink before exiting 0.
 * - The engine-overhead and per-node step histograms.
 *
 * Events are counted deterministically: every log() call of a request has happened by the time its
 * answer is sent, so once the engine's `infergraph_payload_log_events_queued` is 0 every event is
 * either at the sink or counted as dropped.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildReply, ChildServer, ReceivedCall } from '../helpers/child-server';
import type { RunningEngine } from '../helpers/engine';
import {
  FEEDBACK, PREDICT, builtin, bulkClient, childFor, combiner, engineFor, model, outputTransformer, predictorSpec, preparer, rawJson, router, transformer,
  withConcurrency, type OnClose, type Prepared,
} from '../helpers/graphs';
import { grpcEndpoint, PROTO_DIR, startGrpcChild, type GrpcChild } from '../helpers/grpc-child';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { parseExposition, select, valueOf, type Sample } from '../helpers/prometheus';
import { loadSeldonProtocol } from '../../src/protocols/seldon';
import { freePort, sleep, TestSink, type Received } from '../unit/payload-log/helpers';

const codec = loadSeldonProtocol(PROTO_DIR);
const JSON_CT = { 'content-type': 'application/json' } as const;
const HOSTNAME = 'engine-under-test';
const SDEP = 'sdep1';
const NAMESPACE = 'ns1';
const PREDICTOR = 'pred1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TYPES = { request: 'io.seldon.serving.inference.request', response: 'io.seldon.serving.inference.response', feedback: 'io.seldon.serving.feedback' } as const;

type Mode = 'request' | 'response' | 'all';
type EventType = keyof typeof TYPES;

/** A node with a `logger` block, as written in a PredictorSpec. */
function logged<T extends object>(node: T, mode: Mode, url?: string): T & { logger: { mode: Mode; url?: string } } {
  return { ...node, logger: url === undefined ? { mode } : { mode, url } };
}

// ---------------------------------------------------------------------------------------------
// Reading the engine's metrics

async function scrape(engine: RunningEngine): Promise<Sample[]> {
  const reply = await engine.get('/metrics');
  assert.equal(reply.status, 200);
  return parseExposition(reply.text);
}

/** The payload-log accounting, as the engine exports it. */
interface Books {
  readonly enqueued: number;
  readonly delivered: number;
  readonly dropped: Readonly<Record<string, number>>;
  readonly droppedTotal: number;
  readonly queued: number;
  readonly retries: number;
}

function books(samples: readonly Sample[]): Books {
  const one = (name: string): number => valueOf(samples, name, {});
  const dropped: Record<string, number> = {};
  for (const s of select(samples, 'infergraph_payload_log_events_dropped_total')) dropped[s.labels['reason'] ?? '?'] = s.value;
  return {
    enqueued: one('infergraph_payload_log_events_enqueued_total'),
    delivered: one('infergraph_payload_log_events_delivered_total'),
    dropped,
    droppedTotal: Object.values(dropped).reduce((a, b) => a + b, 0),
    queued: one('infergraph_payload_log_events_queued'),
    retries: one('infergraph_payload_log_retries_total'),
  };
}

function assertBalanced(b: Books, what: string): void {
  assert.equal(b.enqueued, b.delivered + b.droppedTotal + b.queued, `${what}: enqueued = delivered + dropped + queued (${JSON.stringify(b)})`);
}

/** Waits until nothing is queued (every event logged so far delivered or dropped); returns the books. */
async function settle(engine: RunningEngine, timeoutMs = 10_000): Promise<Books> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const b = books(await scrape(engine));
    assertBalanced(b, 'settle');
    if (b.queued === 0) return b;
    if (Date.now() > end) throw new Error(`payload log still has ${b.queued} events queued after ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading what the sink received

function header(ev: Received, name: string): string {
  const v = ev.headers[name];
  return Array.isArray(v) ? v.join(',') : v ?? '';
}

/** The events of one request (by puid) a sink received, optionally at one path only. */
function eventsOf(sink: TestSink, puid: string, path?: string): Received[] {
  return sink.received.filter((r) => header(r, 'ce-requestid') === puid && (path === undefined || r.path === path));
}

interface Expected {
  readonly node: string;
  readonly type: EventType;
  /** The exact bytes; undefined: checked separately. */
  readonly body: Buffer | string | undefined;
}

const key = (node: string, type: string): string => `${node} ${type}`;
/** Bytes as a string of one char per byte (latin1), for exact comparison with readable diffs. */
const bytes = (b: Buffer | string): string => (typeof b === 'string' ? Buffer.from(b) : b).toString('latin1');

/** Checks the CloudEvents headers of every event and that the events are exactly `expected`. */
function assertEvents(events: readonly Received[], expected: readonly Expected[], puid: string, source: string, contentType = 'application/json'): Map<string, Received> {
  const got = events.map((e) => key(header(e, 'ce-modelid'), typeOfEvent(e))).sort();
  assert.deepEqual(got, expected.map((e) => key(e.node, e.type)).sort(), 'the (node, type) of every event');
  const byKey = new Map(events.map((e) => [key(header(e, 'ce-modelid'), typeOfEvent(e)), e]));
  for (const e of expected) {
    const ev = byKey.get(key(e.node, e.type));
    assert.ok(ev !== undefined);
    assertHeaders(ev, { node: e.node, type: e.type, puid, source, contentType });
    if (e.body !== undefined) assert.equal(bytes(ev.body), bytes(e.body), `body of ${key(e.node, e.type)}`);
  }
  const ids = events.map((e) => header(e, 'ce-id'));
  assert.equal(new Set(ids).size, ids.length, 'Ce-Id is fresh per event');
  return byKey;
}

function typeOfEvent(ev: Received): string {
  const t = header(ev, 'ce-type');
  return (Object.entries(TYPES).find(([, v]) => v === t)?.[0]) ?? `?${t}`;
}

function assertHeaders(ev: Received, exp: { node: string; type: EventType; puid: string; source: string; contentType: string }): void {
  const what = key(exp.node, exp.type);
  assert.equal(header(ev, 'ce-specversion'), '1.0', what);
  assert.equal(header(ev, 'ce-type'), TYPES[exp.type], what);
  assert.equal(header(ev, 'ce-source'), exp.source, what);
  assert.equal(header(ev, 'ce-modelid'), exp.node, what);
  assert.equal(header(ev, 'ce-requestid'), exp.puid, what);
  assert.equal(header(ev, 'ce-inferenceservicename'), SDEP, what);
  assert.equal(header(ev, 'ce-namespace'), NAMESPACE, what);
  assert.equal(header(ev, 'ce-endpoint'), PREDICTOR, what);
  assert.equal(header(ev, 'ce-protocol'), 'seldon', what);
  assert.equal(header(ev, 'content-type'), exp.contentType, what);
  assert.match(header(ev, 'ce-id'), UUID, what);
  assert.notEqual(header(ev, 'ce-id'), exp.puid, `${what}: Ce-Id is not the puid`);
  const time = Date.parse(header(ev, 'ce-time'));
  assert.ok(Number.isFinite(time) && Math.abs(Date.now() - time) < 60_000, `${what}: Ce-Time ${header(ev, 'ce-time')}`);
}

/** The one call a child server received at `path` whose puid is `puid`. */
function callOf(server: ChildServer, path: string, puid: string): ReceivedCall {
  const calls = server.calls.filter((c) => c.path === path && c.headers['seldon-puid'] === puid);
  assert.equal(calls.length, 1, `${path} calls for ${puid}`);
  return calls[0] as ReceivedCall;
}

/**
 * Starts the engine on a port the OS picks (--http_port=0): Ce-Source names that port (tested below).
 * Not a port picked here and released first: another listener in this process could take it meanwhile.
 */
async function loggingEngine(onClose: OnClose, spec: unknown, extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<{ engine: RunningEngine; source: string }> {
  const engine = await engineFor(onClose, {
    spec,
    args: [`--hostname=${HOSTNAME}`, `--sdep=${SDEP}`, `--namespace=${NAMESPACE}`, ...(extra.args ?? [])],
    ...(extra.env === undefined ? {} : { env: extra.env }),
  });
  return { engine, source: `http://${HOSTNAME}:${engine.port}/` };
}

const graphs = preparer(3);
after(() => graphs.closeAll());

// One sink for every functional case; each engine logs to its own path, each request is told apart by its puid.
let sinkStarted: Promise<TestSink> | undefined;
const sharedSink = (): Promise<TestSink> => (sinkStarted ??= TestSink.start());
after(async () => (await sharedSink()).stop());

// ---------------------------------------------------------------------------------------------
// Every node kind, in each mode

/**
 * OUTPUT_TRANSFORMER o -> TRANSFORMER t -> ROUTER r (routes to 0) -> [COMBINER c -> [MODEL m1,
 * AVERAGE_COMBINER avg -> [MODEL m2, RANDOM_ABTEST ab (ratioA 1) -> [MODEL m3, MODEL m4]]], MODEL x].
 * Every node logs in `mode`. The children answer JSON with odd whitespace, so byte identity shows.
 */
const ANSWERS = {
  o: '{"strData" :  "output transformed"}',
  t: '{"data": {"ndarray": [[7]]},  "meta": {"tags": {"by": "t"}}}',
  r: '[0]',
  c: '{"data": {"names": ["c"], "ndarray": [[5]]}}',
  m1: '{"data": {"ndarray": [[1]]} }',
  m2: '{"data":  {"ndarray": [[2]]}}',
  m3: '{ "data": {"ndarray": [[4]]}}',
  m4: '{"data": {"ndarray": [[40]]}}',
  x: '{"data": {"ndarray": [[99]]}}',
} as const;
type Child = keyof typeof ANSWERS;
const CHILDREN = Object.keys(ANSWERS) as Child[];
const ALL_NODES = ['o', 't', 'r', 'c', 'm1', 'avg', 'm2', 'ab', 'm3', 'm4', 'x'] as const;

interface MatrixGraph {
  readonly engine: RunningEngine;
  readonly source: string;
  readonly servers: Record<Child, ChildServer>;
  readonly path: string;
}

function prepareMatrix(mode: Mode): Prepared<MatrixGraph> {
  return graphs.prepare(async (onClose) => {
    const sink = await sharedSink();
    const path = `/log/${mode}`;
    const url = `http://127.0.0.1:${sink.port}${path}`;
    const started = await Promise.all(CHILDREN.map((name) => childFor(onClose, (call): ChildReply =>
      call.path === '/send-feedback' ? rawJson(`{"strData":"feedback taken by ${name}"}`) : rawJson(ANSWERS[name]))));
    const servers = Object.fromEntries(CHILDREN.map((n, i) => [n, started[i]])) as Record<Child, ChildServer>;
    const port = (n: Child): number => servers[n].port;
    const l = <T extends object>(node: T): T => logged(node, mode, url);
    const ratio = [{ name: 'ratioA', value: '1', type: 'FLOAT' }];
    const graph = l(outputTransformer('o', port('o'), [
      l(transformer('t', port('t'), [
        l(router('r', port('r'), [
          l(combiner('c', port('c'), [
            l(model('m1', port('m1'))),
            l(builtin('avg', 'AVERAGE_COMBINER', [
              l(model('m2', port('m2'))),
              l(builtin('ab', 'RANDOM_ABTEST', [l(model('m3', port('m3'))), l(model('m4', port('m4')))], ratio)),
            ])),
          ])),
          l(model('x', port('x'))),
        ])),
      ])),
    ]));
    const { engine, source } = await loggingEngine(onClose, predictorSpec(graph, PREDICTOR));
    return { engine, source, servers, path };
  });
}

const matrix = { request: prepareMatrix('request'), response: prepareMatrix('response'), all: prepareMatrix('all') };

for (const mode of ['request', 'response', 'all'] as const) {
  describe(`logger mode "${mode}" on every node kind (OUTPUT_TRANSFORMER, TRANSFORMER, ROUTER, COMBINER, MODEL, AVERAGE_COMBINER, RANDOM_ABTEST)`, () => {
    let g: MatrixGraph;
    let sink: TestSink;
    before(async () => {
      g = await matrix[mode].get();
      sink = await sharedSink();
    });
    after(() => matrix[mode].close());

    test('a prediction: one request event per visited node (what it received), one response event (what it answered)', async () => {
      const input = '{"data": {"ndarray": [[1, 2]]},   "meta": {}}';
      const before0 = await settle(g.engine);
      const reply = await g.engine.post(PREDICT, input, JSON_CT);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.text, ANSWERS.o);
      const puid = reply.headers.get('seldon-puid') ?? '';
      assert.ok(puid !== '');
      const after0 = await settle(g.engine);

      // What flowed: the client's bytes to o and t, t's answer to r and below, c's answer back up to o.
      // Each node logs exactly one request and one response (reference quirk 16: Seldon logged the
      // request of a node with children twice, and the parent's input as a combiner's request).
      assert.equal(callOf(g.servers.t, '/transform-input', puid).text, input);
      for (const n of ['r', 'm1', 'm2', 'm3'] as const) assert.equal(callOf(g.servers[n], n === 'r' ? '/route' : '/predict', puid).text, ANSWERS.t, `${n} received t's answer`);
      assert.equal(callOf(g.servers.o, '/transform-output', puid).text, ANSWERS.c);
      const visited = ['o', 't', 'r', 'c', 'm1', 'avg', 'm2', 'ab', 'm3'];
      const received: Record<string, string> = { o: input, t: input };
      const answered: Record<string, string | undefined> = { o: ANSWERS.o, t: ANSWERS.c, r: ANSWERS.c, c: ANSWERS.c, m1: ANSWERS.m1, avg: undefined, m2: ANSWERS.m2, ab: ANSWERS.m3, m3: ANSWERS.m3 };
      const expected: Expected[] = [];
      for (const node of visited) {
        if (mode !== 'response') expected.push({ node, type: 'request', body: received[node] ?? ANSWERS.t });
        if (mode !== 'request') expected.push({ node, type: 'response', body: answered[node] });
      }
      const events = eventsOf(sink, puid, g.path);
      const byKey = assertEvents(events, expected, puid, g.source);
      assert.equal(after0.delivered - before0.delivered, expected.length);
      assert.equal(after0.droppedTotal, 0);
      if (mode !== 'request') {
        // The built-in combiner's answer is the engine's own bytes: exactly what went on to c's /aggregate.
        const avgOut = bytes(byKey.get('avg response')?.body ?? '');
        assert.match(avgOut, /"ndarray":\[\[3(\.0)?\]\]/);
        assert.equal(callOf(g.servers.c, '/aggregate', puid).body.toString('latin1'), `[${ANSWERS.m1},${avgOut}]`);
      }
    });

    test(`feedback: ${mode === 'request' ? 'no events (feedback is logged in modes response and all)' : 'one feedback event per node it reaches, the bytes the client sent'}`, async () => {
      const fb = '{"request": {"data": {"ndarray": [[1, 2]]}}, "response": {"data": {"ndarray": [[5]]}},  "reward": 1}';
      const before0 = await settle(g.engine);
      const reply = await g.engine.post(FEEDBACK, fb, JSON_CT);
      assert.equal(reply.status, 200, reply.text);
      const puid = reply.headers.get('seldon-puid') ?? '';
      const after0 = await settle(g.engine);
      const expected: Expected[] = mode === 'request' ? [] : ALL_NODES.map((node) => ({ node, type: 'feedback' as const, body: fb }));
      assertEvents(eventsOf(sink, puid, g.path), expected, puid, g.source);
      assert.equal(after0.enqueued - before0.enqueued, expected.length);
      assert.equal(after0.delivered - before0.delivered, expected.length);
    });

    test('Seldon-Skip-Logging: true (or on, 1, any case, in a list) logs nothing; other values log', async () => {
      const before0 = await settle(g.engine);
      for (const skip of ['true', 'ON', '1', 'false, 1']) {
        const p = await g.engine.post(PREDICT, '{"data":{"ndarray":[[1]]}}', { ...JSON_CT, 'seldon-skip-logging': skip });
        assert.equal(p.status, 200, p.text);
        const f = await g.engine.post(FEEDBACK, '{"reward":1}', { ...JSON_CT, 'seldon-skip-logging': skip });
        assert.equal(f.status, 200, f.text);
      }
      const skipped = await settle(g.engine);
      assert.equal(skipped.enqueued, before0.enqueued, 'no event for skipped requests');
      const p = await g.engine.post(PREDICT, '{"data":{"ndarray":[[1]]}}', { ...JSON_CT, 'seldon-skip-logging': 'asdasd' });
      const logged0 = await settle(g.engine);
      assert.equal(logged0.enqueued - skipped.enqueued, mode === 'all' ? 18 : 9);
      assert.equal(eventsOf(sink, p.headers.get('seldon-puid') ?? '').length, mode === 'all' ? 18 : 9);
    });

    if (mode === 'all') {
      test('infergraph_node_step_seconds has a series per node and method', async () => {
        const samples = await scrape(g.engine);
        const steps = new Set(select(samples, 'infergraph_node_step_seconds_count', { outcome: 'ok' }).map((s) => `${s.labels['node'] ?? ''} ${s.labels['method'] ?? ''}`));
        const want = ['o transform-output', 't transform-input', 'r route', 'c aggregate', 'm1 predict', 'avg aggregate', 'm2 predict', 'ab route', 'm3 predict', 'm1 send-feedback', 'r send-feedback', 'x send-feedback'];
        for (const w of want) assert.ok(steps.has(w), `series for "${w}" (have: ${[...steps].sort().join(', ')})`);
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Seldon's [T] cases, and the sink URL

const routerBar = graphs.prepare(async (onClose) => {
  const envSink = await TestSink.start();
  onClose(() => envSink.stop());
  const bar = await childFor(onClose, () => rawJson('[0]'));
  // foo is slow, so the engine-overhead check below has a clear difference to show.
  const foo = await childFor(onClose, () => ({ ...rawJson('{"data":{"ndarray":[[42]]}}'), delayMs: 20 }));
  const graph = logged(router('bar', bar.port, [model('foo', foo.port)]), 'all');
  const { engine, source } = await loggingEngine(onClose, predictorSpec(graph, PREDICTOR), { env: { REQUEST_LOGGER_DEFAULT_ENDPOINT: envSink.url } });
  return { engine, source, envSink };
});

const singleModel = graphs.prepare(async (onClose) => {
  const [urlSink, envSink] = await Promise.all([TestSink.start(), TestSink.start()]);
  onClose(() => urlSink.stop());
  onClose(() => envSink.stop());
  const m = await childFor(onClose, () => rawJson('{"data":{"names":["score"],"ndarray":[[0.97]]}}'));
  const graph = logged(model('classifier', m.port), 'request', urlSink.url);
  const { engine, source } = await loggingEngine(onClose, predictorSpec(graph, PREDICTOR), { env: { REQUEST_LOGGER_DEFAULT_ENDPOINT: envSink.url } });
  return { engine, source, urlSink, envSink };
});

const portZero = graphs.prepare(async (onClose) => {
  const sink = await TestSink.start();
  onClose(() => sink.stop());
  const m = await childFor(onClose, () => rawJson('{"data":{"ndarray":[[1]]}}'));
  const graph = logged(model('classifier', m.port), 'request', sink.url);
  const engine = await engineFor(onClose, { spec: predictorSpec(graph, PREDICTOR), args: ['--http_port=0', `--hostname=${HOSTNAME}`] });
  return { engine, sink };
});

describe("Seldon's [T] cases", () => {
  after(() => Promise.all([routerBar.close(), singleModel.close()]));

  test('router bar (mode all, no logger.url) with a model child foo (no logger): exactly 2 events, both bar, sent to REQUEST_LOGGER_DEFAULT_ENDPOINT', async () => {
    const g = await routerBar.get();
    const input = '{"data":{"ndarray":[[3]]}}';
    const reply = await g.engine.post(PREDICT, input, JSON_CT);
    assert.equal(reply.status, 200, reply.text);
    const puid = reply.headers.get('seldon-puid') ?? '';
    await settle(g.engine);
    assert.equal(g.envSink.received.length, 2);
    assertEvents(eventsOf(g.envSink, puid, '/sink'), [
      { node: 'bar', type: 'request', body: input },
      { node: 'bar', type: 'response', body: '{"data":{"ndarray":[[42]]}}' },
    ], puid, g.source);
  });

  test('a single MODEL with mode request: exactly 1 event (request, Modelid = node, Requestid = puid) at logger.url, none at the default endpoint', async (t: TestContext) => {
    const g = await singleModel.get();
    const input = '{"data":{"names":["a","b"],"ndarray":[[1.5,2]]}}';
    const reply = await g.engine.post(PREDICT, input, { ...JSON_CT, 'seldon-puid': 'd2b9c7d1-puid-from-the-client' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.headers.get('seldon-puid'), 'd2b9c7d1-puid-from-the-client');
    await settle(g.engine);
    assert.equal(g.urlSink.received.length, 1);
    assert.equal(g.envSink.received.length, 0);
    const [ev] = g.urlSink.received;
    assert.ok(ev !== undefined);
    assertEvents([ev], [{ node: 'classifier', type: 'request', body: input }], 'd2b9c7d1-puid-from-the-client', g.source);
    // A real event, for the README.
    const shown = ['content-type', 'ce-specversion', 'ce-id', 'ce-type', 'ce-source', 'ce-time', 'ce-modelid', 'ce-requestid', 'ce-inferenceservicename', 'ce-namespace', 'ce-endpoint', 'ce-protocol'];
    t.diagnostic(`POST ${ev.path}\n${shown.map((h) => `${h}: ${header(ev, h)}`).join('\n')}\n\n${ev.body.toString('utf8')}`);
  });

  test('--http_port=0: Ce-Source names the port the OS picked, not the flag\'s 0', async () => {
    const g = await portZero.get();
    assert.ok(g.engine.port > 0);
    const reply = await g.engine.post(PREDICT, '{"data":{"ndarray":[[1]]}}', JSON_CT);
    assert.equal(reply.status, 200, reply.text);
    await settle(g.engine);
    assert.equal(g.sink.received.length, 1);
    const [ev] = g.sink.received;
    assert.ok(ev !== undefined);
    assert.equal(header(ev, 'ce-source'), `http://${HOSTNAME}:${g.engine.port}/`);
  });

  test('infergraph_engine_overhead_seconds: the engine\'s own time, below the server histogram\'s sum by the child\'s 20 ms', async (t: TestContext) => {
    const g = await routerBar.get();
    const s0 = await scrape(g.engine);
    const N = 10;
    for (let i = 0; i < N; i++) assert.equal((await g.engine.post(PREDICT, '{"data":{"ndarray":[[3]]}}', JSON_CT)).status, 200);
    const s1 = await scrape(g.engine);
    const sum = (s: Sample[], name: string): number => select(s, name, { service: 'predictions' }).reduce((a, x) => a + x.value, 0);
    const server = sum(s1, 'seldon_api_executor_server_requests_seconds_sum') - sum(s0, 'seldon_api_executor_server_requests_seconds_sum');
    const overhead = sum(s1, 'infergraph_engine_overhead_seconds_sum') - sum(s0, 'infergraph_engine_overhead_seconds_sum');
    assert.equal(sum(s1, 'infergraph_engine_overhead_seconds_count') - sum(s0, 'infergraph_engine_overhead_seconds_count'), N);
    t.diagnostic(`${N} predictions through bar -> foo (20 ms): server sum ${(server * 1000).toFixed(1)} ms, engine overhead sum ${(overhead * 1000).toFixed(1)} ms`);
    assert.ok(overhead > 0, `overhead ${overhead}`);
    assert.ok(server - overhead >= N * 0.018, `server ${server.toFixed(4)} s, overhead ${overhead.toFixed(4)} s: the difference is the time waiting on foo`);
    const steps = new Set(select(s1, 'infergraph_node_step_seconds_count').map((s) => `${s.labels['node'] ?? ''} ${s.labels['method'] ?? ''}`));
    assert.deepEqual([...steps].sort(), ['bar route', 'foo predict']);
  });
});

// ---------------------------------------------------------------------------------------------
// gRPC: protobuf events

const grpcGraph = graphs.prepare(async (onClose) => {
  const sink = await sharedSink();
  const answer = codec.toProto('SeldonMessage', { data: { names: ['y'], tensor: { shape: [1, 2], values: [0.25, 0.75] } }, meta: { tags: { by: 'g' } } });
  const child: GrpcChild = await startGrpcChild((call) => (call.method.endsWith('/Predict') ? { raw: answer } : { json: { strData: 'thanks' } }));
  onClose(() => child.close());
  const graph = logged({ name: 'g', type: 'MODEL', endpoint: grpcEndpoint(child.port), children: [] }, 'all', `http://127.0.0.1:${sink.port}/log/grpc`);
  const { engine, source } = await loggingEngine(onClose, predictorSpec(graph, PREDICTOR));
  const client = new SeldonGrpcClient(engine.grpcPort);
  onClose(async () => client.close());
  return { engine, source, child, client, answer };
});

describe('a gRPC request', () => {
  after(() => grpcGraph.close());

  test('Predict: protobuf events (Content-Type application/protobuf), the exact bytes received and answered', async () => {
    const g = await grpcGraph.get();
    const sink = await sharedSink();
    const request = codec.toProto('SeldonMessage', { data: { ndarray: [[1, 2]] }, meta: { tags: { from: 'client' } } });
    const reply = await g.client.call('Predict', request);
    assert.equal(reply.code, 0, reply.details);
    const puid = String(reply.header?.get('seldon-puid')[0] ?? '');
    await settle(g.engine);
    const byKey = assertEvents(eventsOf(sink, puid, '/log/grpc'), [
      { node: 'g', type: 'request', body: request },
      { node: 'g', type: 'response', body: g.answer },
    ], puid, g.source, 'application/protobuf');
    assert.deepEqual(codec.toJson('SeldonMessage', byKey.get('g request')?.body ?? Buffer.alloc(0)), { data: { ndarray: [[1, 2]] }, meta: { tags: { from: 'client' } } });
    assert.deepEqual(codec.toJson('SeldonMessage', byKey.get('g response')?.body ?? Buffer.alloc(0)), reply.json);
  });

  test('SendFeedback: a protobuf feedback event (Seldon never logged gRPC feedback, quirk 10)', async () => {
    const g = await grpcGraph.get();
    const sink = await sharedSink();
    const fb = { request: { data: { ndarray: [[1]] } }, response: { data: { ndarray: [[0.5]] } }, reward: 0.5 };
    const reply = await g.client.call('SendFeedback', codec.toProto('Feedback', fb));
    assert.equal(reply.code, 0, reply.details);
    const puid = String(reply.header?.get('seldon-puid')[0] ?? '');
    await settle(g.engine);
    const byKey = assertEvents(eventsOf(sink, puid, '/log/grpc'), [{ node: 'g', type: 'feedback', body: codec.toProto('Feedback', fb) }], puid, g.source, 'application/protobuf');
    assert.deepEqual(codec.toJson('Feedback', byKey.get('g feedback')?.body ?? Buffer.alloc(0)), fb);
  });

  test('seldon-skip-logging metadata logs nothing', async () => {
    const g = await grpcGraph.get();
    const b0 = await settle(g.engine);
    const reply = await g.client.call('Predict', { data: { ndarray: [[1]] } }, { metadata: { 'seldon-skip-logging': 'true' } });
    assert.equal(reply.code, 0, reply.details);
    assert.equal((await settle(g.engine)).enqueued, b0.enqueued);
  });
});

// ---------------------------------------------------------------------------------------------
// R8: a failing sink never fails or slows a prediction

const R8_REQUESTS = 2000;
/** The requests of each engine are split into this many rounds, alternating engines (see below). */
const R8_ROUNDS = 10;
const R8_CONCURRENCY = 8;
const R8_BODY = '{"data":{"ndarray":[[1,2,3]]}}';
const BUFFER = 100;
const WORKERS = 10;
/** Events the engine may hold: the queue, as many waiting up to --log_write_timeout_ms for room, and one per worker. */
const QUEUED_BOUND = 2 * BUFFER + WORKERS;
const MiB = 1024 * 1024;
/** Events per prediction: t and m, request and response each. */
const EVENTS_PER_PREDICTION = 4;

/**
 * TRANSFORMER t -> MODEL m, both `mode: all` (4 events per prediction), logging to a sink port the
 * test opens and closes at will. The baseline is a second engine with the same graph and no
 * loggers, rather than the logging engine with Seldon-Skip-Logging: with the skip header the
 * baseline rounds would run in the same process as the logger's retries and timeouts left over
 * from the logged rounds, hiding part of the very cost being measured. Both engines live through
 * every sink mode, and their rounds alternate (L B B L L B B L), so drift on this shared machine
 * (other processes, CPU frequency, the test process's own garbage collection) falls on both alike.
 */
const isolation = graphs.prepare(async (onClose) => {
  const sinkPort = await freePort();
  const child = await childFor(onClose, () => rawJson('{"data":{"ndarray":[[0.5]]}}'));
  const graph = (log: boolean): unknown => {
    const l = <T extends object>(node: T): T => (log ? logged(node, 'all', `http://127.0.0.1:${sinkPort}/r8`) : node);
    return predictorSpec(l(transformer('t', child.port, [l(model('m', child.port))])));
  };
  const logging = await engineFor(onClose, { spec: graph(true), args: [`--log_work_buffer_size=${BUFFER}`, `--logger_workers=${WORKERS}`] });
  const baseline = await engineFor(onClose, { spec: graph(false) });
  const clients = { logging: bulkClient(logging.url, R8_CONCURRENCY), baseline: bulkClient(baseline.url, R8_CONCURRENCY) };
  onClose(() => Promise.all([clients.logging.close(), clients.baseline.close()]));
  return { sinkPort, logging, baseline, clients };
});

/** `n` predictions, `R8_CONCURRENCY` in flight; their latencies in ms and the number not answered 200. */
async function timedRound(client: ReturnType<typeof bulkClient>, n: number): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  await withConcurrency(n, R8_CONCURRENCY, async () => {
    const t0 = performance.now();
    const reply = await client.post(PREDICT, R8_BODY, JSON_CT).catch(() => ({ status: 0, text: '' }));
    latencies.push(performance.now() - t0);
    if (reply.status !== 200) failed++;
  });
  return { latencies, failed };
}

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const rss = (samples: readonly Sample[]): number => valueOf(samples, 'process_resident_memory_bytes', {});

interface SinkMode {
  readonly name: string;
  start(port: number): Promise<TestSink | undefined>;
}

const SINK_MODES: readonly SinkMode[] = [
  { name: 'down (connection refused)', start: () => Promise.resolve(undefined) },
  { name: 'hanging (accepts, never answers)', start: (port) => TestSink.start(port, { hang: true }) },
  { name: 'answering 500', start: (port) => TestSink.start(port, { status: 500 }) },
  { name: 'taking 2 s per event', start: (port) => TestSink.start(port, { delayMs: 2000 }) },
];

type Isolation = Awaited<ReturnType<typeof isolation.get>>;

/** What one sink mode did to the logging engine, against the baseline. */
interface ModeRun {
  /** Latencies (ms) per round, per engine. */
  readonly logging: number[][];
  readonly baseline: number[][];
  readonly failed: number;
  readonly before: Books;
  readonly after: Books;
  readonly samples: Sample[];
  readonly baselineSamples: Sample[];
  readonly maxQueued: number;
  readonly scrapes: number;
  /** Scrapes whose books did not balance. */
  readonly unbalanced: string[];
  /** Delivered after the sink came back, and ms until the first delivery. */
  readonly recovered: { readonly delivered: number; readonly afterMs: number; readonly received: number };
}

/**
 * Puts the sink in `mode`, sends R8_REQUESTS predictions to each engine in alternating rounds,
 * then brings a healthy sink up on the same port and waits until the queue is empty.
 */
async function runMode(g: Isolation, mode: SinkMode): Promise<ModeRun> {
  const faulty = await mode.start(g.sinkPort);
  let healthy: TestSink | undefined;
  try {
    const before = books(await scrape(g.logging));
    // The queue is sampled between rounds, never during one: a scrape stalls the scraped engine's
    // event loop for ~10 ms (prom-client's summaries), which would decide the p99 it is measuring.
    let maxQueued = 0;
    let scrapes = 0;
    const unbalanced: string[] = [];
    const logging: number[][] = [];
    const baseline: number[][] = [];
    let failed = 0;
    for (let round = 0; round < R8_ROUNDS; round++) {
      const order = round % 2 === 0 ? (['logging', 'baseline'] as const) : (['baseline', 'logging'] as const);
      for (const which of order) {
        const r = await timedRound(g.clients[which], R8_REQUESTS / R8_ROUNDS);
        (which === 'logging' ? logging : baseline).push(r.latencies);
        failed += r.failed;
        if (which === 'logging') {
          const b = books(await scrape(g.logging));
          scrapes++;
          maxQueued = Math.max(maxQueued, b.queued);
          if (b.enqueued !== b.delivered + b.droppedTotal + b.queued) unbalanced.push(JSON.stringify(b));
        }
      }
    }
    const baselineSamples = await scrape(g.baseline);
    const samples = await scrape(g.logging);
    const after = books(samples);

    // The sink comes back on the same port: queued events (and those being retried) are delivered.
    await faulty?.stop();
    healthy = await TestSink.start(g.sinkPort);
    const backAt = Date.now();
    while (books(await scrape(g.logging)).delivered <= after.delivered) {
      if (Date.now() - backAt > 10_000) break;
      await sleep(20);
    }
    const afterMs = Date.now() - backAt;
    const drained = await settle(g.logging, 20_000);
    return {
      logging, baseline, failed, before, after, samples, baselineSamples, maxQueued, scrapes, unbalanced,
      recovered: { delivered: drained.delivered - after.delivered, afterMs, received: healthy.received.length },
    };
  } finally {
    await faulty?.stop();
    await healthy?.stop();
  }
}

describe(`R8: ${R8_REQUESTS} predictions (${R8_CONCURRENCY} in flight) through t -> m, both mode all, --log_work_buffer_size=${BUFFER}`, () => {
  let g: Isolation;
  let rssStart = 0;
  before(async () => {
    g = await isolation.get();
    // Warm-up: a whole unchecked run with the sink answering 500. Shorter warm-ups (even 4,000
    // predictions with the sink down) left the first checked mode, whichever it was, with 2-3 times
    // the engine CPU per prediction for its first seconds (process_cpu_seconds_total; garbage
    // collection stayed at ~1 %), as V8 settles its code, which showed in that mode's latencies.
    const warm = await runMode(g, { name: 'warm-up', start: (port) => TestSink.start(port, { status: 500 }) });
    assert.equal(warm.failed, 0);
    rssStart = rss(await scrape(g.logging));
  });
  after(() => isolation.close());

  for (const mode of SINK_MODES) {
    test(`sink ${mode.name}: no prediction fails or slows, memory stays bounded, the books balance; delivery resumes when the sink recovers`, async (t: TestContext) => {
      const run = await runMode(g, mode);
      const { before: b0, after: b1 } = run;
      const rssGrowth = rss(run.samples) - rssStart;
      const heap = (s: Sample[]): string => (valueOf(s, 'nodejs_heap_size_used_bytes', {}) / MiB).toFixed(1);
      // The bound is checked on the median of the per-round p99s (10 alternating rounds of 200 per
      // engine), not on the p99 of all 2,000: on this 2-core machine, shared by the engine, the
      // baseline engine and the test process (client, child and sink), the overall p99 is set by a
      // handful of scheduler or GC stalls and swung by 5-15 ms between identical runs, failing
      // about one mode in four with either engine ahead. The median of the rounds discards the
      // rounds such a stall happened to hit. Both statistics are reported. The bound is never below
      // 20 ms: a round's p99 is its second-slowest request, and on Node 24 the baseline's alone
      // ranged 2.5-7.3 ms across the modes of one run, while the logging engine's ranged 3.4-10.8 ms
      // across eight runs of this file, in whichever mode the noise hit (with 10 ms, one CI run in
      // a few failed). A sink that held up predictions would cost its 2 s (or the hanging sink's
      // forever), a hundred times more.
      const mL = median(run.logging.map(p99));
      const mB = median(run.baseline.map(p99));
      const allowed = Math.max(20, mB + Math.max(5, 0.1 * mB));
      t.diagnostic(`sink ${mode.name}: p99 (median of ${R8_ROUNDS} rounds) ${mL.toFixed(2)} ms with logging, ${mB.toFixed(2)} ms without (allowed ${allowed.toFixed(2)}); ` +
        `p99 of all ${R8_REQUESTS} ${p99(run.logging.flat()).toFixed(2)} / ${p99(run.baseline.flat()).toFixed(2)} ms; ` +
        `p50 ${median(run.logging.flat()).toFixed(2)} / ${median(run.baseline.flat()).toFixed(2)} ms; ` +
        `events +${b1.enqueued - b0.enqueued}: delivered +${b1.delivered - b0.delivered}, dropped ${JSON.stringify(Object.fromEntries(Object.entries(b1.dropped).map(([k, v]) => [k, v - (b0.dropped[k] ?? 0)])))}, queued ${b1.queued}, retries +${b1.retries - b0.retries}; ` +
        `max queued ${run.maxQueued}/${QUEUED_BOUND}; RSS ${(rss(run.samples) / MiB).toFixed(0)} MiB (+${(rssGrowth / MiB).toFixed(1)} since warm-up), heap used ${heap(run.samples)} MiB; ` +
        `baseline engine RSS ${(rss(run.baselineSamples) / MiB).toFixed(0)} MiB, heap used ${heap(run.baselineSamples)} MiB; ` +
        `sink back: first delivery after ${run.recovered.afterMs} ms, ${run.recovered.delivered} delivered`);

      assert.equal(run.failed, 0, 'every prediction answered 200');
      assert.equal(b1.enqueued - b0.enqueued, EVENTS_PER_PREDICTION * R8_REQUESTS, 'every event handed to the logger');
      assertBalanced(b1, 'after the run');
      assert.deepEqual(run.unbalanced, [], 'the books balance in every scrape between rounds');
      assert.ok(run.maxQueued <= QUEUED_BOUND && b1.queued <= QUEUED_BOUND, `queued at most ${QUEUED_BOUND}: max seen ${run.maxQueued} in ${run.scrapes} scrapes`);
      assert.ok(rssGrowth < 50 * MiB, `RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);
      assert.ok(mL <= allowed, `p99 with logging ${mL.toFixed(2)} ms > baseline ${mB.toFixed(2)} ms + max(5 ms, 10 %), and over 20 ms`);
      assert.ok(run.recovered.delivered > 0 && run.recovered.received > 0, 'delivery resumed when the sink came back');
      assert.ok(run.recovered.afterMs < 5000, `first delivery ${run.recovered.afterMs} ms after the sink came back`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Shutdown flush

const SLOW_SINK_MS = 50;
const FLUSH_PREDICTIONS = 200;

const shutdownGraph = graphs.prepare(async (onClose) => {
  const sink = await TestSink.start(0, { delayMs: SLOW_SINK_MS });
  onClose(() => sink.stop());
  const child = await childFor(onClose, () => rawJson('{"data":{"ndarray":[[1]]}}'));
  const engine = await engineFor(onClose, { spec: predictorSpec(logged(model('m', child.port), 'all', sink.url)) });
  return { sink, engine };
});

test(`SIGTERM with events queued and a healthy sink taking ${SLOW_SINK_MS} ms per event: every event delivered before exit 0`, async () => {
  const g = await shutdownGraph.get();
  try {
    const client = bulkClient(g.engine.url, 8);
    const replies = await withConcurrency(FLUSH_PREDICTIONS, 8, () => client.post(PREDICT, R8_BODY, JSON_CT));
    await client.close();
    assert.ok(replies.every((r) => r.status === 200));
    const b = books(await scrape(g.engine));
    assert.equal(b.enqueued, 2 * FLUSH_PREDICTIONS);
    // 10 workers at 50 ms deliver 200 events a second: most are still queued now.
    assert.ok(b.queued >= FLUSH_PREDICTIONS / 2, `queued at SIGTERM: ${b.queued}`);
    assert.equal(await g.engine.stop('SIGTERM'), 0);
    assert.equal(g.sink.received.length, 2 * FLUSH_PREDICTIONS, 'the sink got every event');
    assert.equal(new Set(g.sink.ids()).size, 2 * FLUSH_PREDICTIONS, 'each exactly once');
    const flushed = g.engine.output.find((l) => l.includes('"msg":"payload log flushed"'));
    assert.ok(flushed !== undefined, g.engine.output.join('\n'));
    assert.match(flushed, /"dropped":0/);
  } finally {
    await shutdownGraph.close();
  }
});
