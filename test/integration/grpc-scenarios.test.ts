/**
 * The transport contract suite (test/helpers/scenario-suite.ts), part 1: single MODEL, a
 * transformer chain, a ROUTER and feedback, each over {REST, gRPC} callers × {REST, gRPC, mixed}
 * children with the same exact expected answers; and `seldon-puid` over gRPC. Fan-out graphs
 * (COMBINER, AVERAGE_COMBINER, RANDOM_ABTEST) are in grpc-scenarios-fanout.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { remoteNode, startDualChild, type DualChild, type StepCall } from '../helpers/scenario-children';
import { child, feedback, numeric, predict, router, scenarioSuite, type Scenario } from '../helpers/scenario-suite';

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'single MODEL',
    children: [child('m', 'MODEL', numeric('m', (x) => x * 2))],
    graph: (ep) => remoteNode(ep, 'MODEL', 'm'),
    exchanges: [
      predict('ndarray', { data: { ndarray: [[1, 2.5], [3, -4]] } },
        { meta: { tags: { by: 'm' } }, data: { names: ['m0', 'm1'], ndarray: [[2, 5], [6, -8]] } }, [['m:predict']]),
      predict('tensor', { data: { tensor: { shape: [2, 2], values: [1, 2, 3, 0.25] } } },
        { meta: { tags: { by: 'm' } }, data: { tensor: { shape: [2, 2], values: [2, 4, 6, 0.5] } } }, [['m:predict']]),
      predict('strData, meta.metrics', { strData: 'hello' },
        { meta: { tags: { by: 'm' }, metrics: [{ key: 'length', type: 'GAUGE', value: 5 }] }, strData: 'hello|m' }, [['m:predict']]),
      predict('jsonData', { jsonData: { a: [1, 'x', true, null], b: { c: 1.5 } } },
        { meta: { tags: { by: 'm' } }, jsonData: { by: 'm', got: { a: [1, 'x', true, null], b: { c: 1.5 } } } }, [['m:predict']]),
      predict('binData', { binData: Buffer.from([0, 1, 2, 255]).toString('base64') },
        { meta: { tags: { by: 'm' } }, binData: Buffer.from([255, 2, 1, 0]).toString('base64') }, [['m:predict']]),
    ],
  },
  {
    title: 'OUTPUT_TRANSFORMER ot -> TRANSFORMER t -> MODEL m',
    children: [
      child('ot', 'OUTPUT_TRANSFORMER', numeric('ot', (x) => x - 3)),
      child('t', 'TRANSFORMER', numeric('t', (x) => x + 1)),
      child('m', 'MODEL', numeric('m', (x) => x * 10)),
    ],
    graph: (ep) => remoteNode(ep, 'OUTPUT_TRANSFORMER', 'ot', [remoteNode(ep, 'TRANSFORMER', 't', [remoteNode(ep, 'MODEL', 'm')])]),
    exchanges: [
      // ((x + 1) * 10) - 3: any other order gives other numbers.
      predict('input, model, output in order', { data: { ndarray: [[1, 2]] } },
        { meta: { tags: { by: 't>m>ot' } }, data: { names: ['ot0', 'ot1'], ndarray: [[17, 27]] } },
        [['t:transform-input'], ['m:predict'], ['ot:transform-output']]),
    ],
  },
  {
    title: 'ROUTER r -> [MODEL a, MODEL b]',
    children: [child('r', 'ROUTER', router('r')), child('a', 'MODEL', numeric('a', (x) => x * 2)), child('b', 'MODEL', numeric('b', (x) => x * 3))],
    graph: (ep) => remoteNode(ep, 'ROUTER', 'r', [remoteNode(ep, 'MODEL', 'a'), remoteNode(ep, 'MODEL', 'b')]),
    exchanges: [
      predict('route 1', { data: { ndarray: [[1, 2]] } },
        { meta: { tags: { by: 'b' } }, data: { names: ['b0', 'b1'], ndarray: [[3, 6]] } }, [['r:route'], ['b:predict']]),
      predict('route 0', { data: { ndarray: [[0, 5]] } },
        { meta: { tags: { by: 'a' } }, data: { names: ['a0', 'a1'], ndarray: [[0, 10]] } }, [['r:route'], ['a:predict']]),
      // -1: every child, no combiner, so the first child's output.
      predict('route -1', { data: { ndarray: [[-1, 4]] } },
        { meta: { tags: { by: 'a' } }, data: { names: ['a0', 'a1'], ndarray: [[-2, 8]] } }, [['r:route'], ['a:predict', 'b:predict']]),
      // -2: no child; the request comes back as it was.
      predict('route -2', { data: { ndarray: [[-2, 4]] } }, { data: { ndarray: [[-2, 4]] } }, [['r:route']]),
    ],
  },
  {
    title: 'feedback through ROUTER r -> [MODEL a, ROUTER r2 -> [MODEL c, MODEL d]]',
    children: [
      child('r', 'ROUTER', router('r')), child('a', 'MODEL', numeric('a', (x) => x)),
      child('r2', 'ROUTER', router('r2')), child('c', 'MODEL', numeric('c', (x) => x)), child('d', 'MODEL', numeric('d', (x) => x)),
    ],
    graph: (ep) => remoteNode(ep, 'ROUTER', 'r', [
      remoteNode(ep, 'MODEL', 'a'),
      remoteNode(ep, 'ROUTER', 'r2', [remoteNode(ep, 'MODEL', 'c'), remoteNode(ep, 'MODEL', 'd')]),
    ]),
    exchanges: [
      // The answer is the root's own send-feedback answer; children before their parent.
      feedback('follows meta.routing', { request: { data: { ndarray: [[1, 2]] } }, response: { meta: { routing: { r: 1, r2: 0 } }, data: { ndarray: [[3]] } }, reward: 0.5 },
        { meta: { tags: { by: 'feedback:r' } }, data: { ndarray: [[0.5]] } },
        [['c:send-feedback'], ['r2:send-feedback'], ['r:send-feedback']]),
      feedback('a router without a routing entry sends to all its children', { request: { data: { ndarray: [[1]] } }, response: { meta: { routing: { r: 1 } }, data: { ndarray: [[3]] } }, reward: 2 },
        { meta: { tags: { by: 'feedback:r' } }, data: { ndarray: [[2]] } },
        [['c:send-feedback', 'd:send-feedback'], ['r2:send-feedback'], ['r:send-feedback']]),
    ],
  },
];

scenarioSuite(SCENARIOS);

describe('seldon-puid over gRPC', () => {
  const log: StepCall[] = [];
  let t: DualChild;
  let m: DualChild;
  let engine: RunningEngine;
  let grpc: SeldonGrpcClient;
  before(async () => {
    [t, m] = await Promise.all([startDualChild('t', 'TRANSFORMER', numeric('t', (x) => x + 1), log), startDualChild('m', 'MODEL', numeric('m', (x) => x * 2), log)]);
    // gRPC transformer before a REST model: the puid crosses both transports.
    engine = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: { name: 't', type: 'TRANSFORMER', endpoint: t.endpoint('GRPC'), children: [{ name: 'm', type: 'MODEL', endpoint: m.endpoint('REST'), children: [] }] } } });
    grpc = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    grpc?.close();
    await engine?.stop();
    await Promise.all([t?.close(), m?.close()]);
  });

  test('generated as a UUIDv4 when absent: the same one reaches every child and comes back in the header metadata', async () => {
    log.length = 0;
    const answer = await grpc.call('Predict', { data: { ndarray: [[1]] } });
    assert.equal(answer.code, 0, answer.details);
    assert.deepStrictEqual(answer.json, { meta: { tags: { by: 't>m' } }, data: { names: ['m0'], ndarray: [[4]] } });
    const values = answer.header?.get('seldon-puid') ?? [];
    assert.equal(values.length, 1);
    const puid = String(values[0]);
    assert.match(puid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepStrictEqual(log.map((c) => [c.node, c.transport, c.header('seldon-puid')]), [['t', 'GRPC', puid], ['m', 'REST', puid]]);
  });

  test('two calls without a puid get two different ones', async () => {
    const [a, b] = await Promise.all([grpc.call('Predict', { data: { ndarray: [[1]] } }), grpc.call('Predict', { data: { ndarray: [[2]] } })]);
    const pa = String(a.header?.get('seldon-puid')[0]);
    const pb = String(b.header?.get('seldon-puid')[0]);
    assert.match(pa, /^[0-9a-f-]{36}$/);
    assert.match(pb, /^[0-9a-f-]{36}$/);
    assert.notEqual(pa, pb);
  });

  test('SendFeedback returns the puid it was sent, and forwards it', async () => {
    log.length = 0;
    const answer = await grpc.call('SendFeedback', { request: { data: { ndarray: [[1]] } }, reward: 1 }, { metadata: { 'seldon-puid': 'fb-puid-1' } });
    assert.equal(answer.code, 0, answer.details);
    assert.deepStrictEqual(answer.header?.get('seldon-puid'), ['fb-puid-1']);
    // Only the MODEL takes feedback; the root transformer does not, so over gRPC the answer is an
    // empty SeldonMessage (README quirk 11).
    assert.deepStrictEqual(log.map((c) => [c.node, c.step, c.header('seldon-puid')]), [['m', 'send-feedback', 'fb-puid-1']]);
    assert.deepStrictEqual(answer.json, {});
  });
});
