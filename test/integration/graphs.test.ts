import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineReply, RunningEngine } from '../helpers/engine';
import {
  PREDICT, builtin, bulkClient, childFor, combiner, engineFor, errorBody, model, outputTransformer, paths, predictorSpec, preparer, rawJson,
  resetCalls, router, scriptedFor, tagger, transformer, withConcurrency,
} from '../helpers/graphs';
import { SIMPLE_MODEL_RESPONSE } from '../../src/units/builtin';

/**
 * Graph behaviour end to end: the real engine (dist/src/main.js) between a real client and real
 * child model servers. Each graph gets one engine, reused by its suite; every test asserts the exact
 * bytes the client receives and what each child received. The graphs are all built ahead (a few at
 * a time), so engine starts overlap with the suites that already run.
 */

const JSON_CT = { 'content-type': 'application/json' };

function post(engine: RunningEngine, body: string, headers: Readonly<Record<string, string>> = {}): Promise<EngineReply> {
  return engine.post(PREDICT, body, { ...JSON_CT, ...headers });
}

/** Asserts a 200 answer with exactly this body and content type. */
function assertOk(reply: EngineReply, body: string, contentType = 'application/json'): void {
  assert.equal(reply.text, body);
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get('content-type'), contentType);
}

const graphs = preparer(2);
after(() => graphs.closeAll());

const singleModel = graphs.prepare(async (onClose) => {
  const m = await scriptedFor(onClose, rawJson('{}'));
  return { m, engine: await engineFor(onClose, { spec: predictorSpec(model('m', m.server.port)) }) };
});

const chain = graphs.prepare(async (onClose) => {
  const [ot, t, m] = await Promise.all([childFor(onClose, tagger('ot')), childFor(onClose, tagger('t')), childFor(onClose, tagger('m'))]);
  // The output transformer is the parent: it transforms what its child subtree answers.
  const graph = outputTransformer('ot', ot.port, [transformer('t', t.port, [model('m', m.port)])]);
  return { ot, t, m, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const methodNodes = graphs.prepare(async (onClose) => {
  const [w, hub, a, b] = await Promise.all([
    childFor(onClose, tagger('w')),
    childFor(onClose, (call) => (call.path === '/route' ? rawJson('[-1]') : { json: { strData: `agg:${call.text}` } })),
    childFor(onClose, tagger('a')),
    childFor(onClose, tagger('b')),
  ]);
  // No type: what the node does comes from its methods only.
  const hubNode = { name: 'hub', methods: ['ROUTE', 'AGGREGATE'], endpoint: model('hub', hub.port).endpoint, children: [model('a', a.port), model('b', b.port)] };
  const graph = { name: 'w', methods: ['TRANSFORM_INPUT', 'TRANSFORM_OUTPUT'], endpoint: model('w', w.port).endpoint, children: [hubNode] };
  return { w, hub, a, b, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const routerGraph = graphs.prepare(async (onClose) => {
  const [r, a, b] = await Promise.all([scriptedFor(onClose, rawJson('[0]')), childFor(onClose, tagger('a')), childFor(onClose, tagger('b'))]);
  return { r, a, b, engine: await engineFor(onClose, { spec: predictorSpec(router('r', r.server.port, [model('a', a.port), model('b', b.port)])) }) };
});

const combinerGraph = graphs.prepare(async (onClose) => {
  const [c, a, b] = await Promise.all([
    childFor(onClose, () => rawJson('{"strData":"combined"}')),
    // Child 0 answers last: the array must still be in child order.
    childFor(onClose, () => ({ ...rawJson('{"strData": "a",\n "n": 1.50}'), delayMs: 80 })),
    childFor(onClose, () => rawJson('{ "strData" : "b" }')),
  ]);
  return { c, a, b, engine: await engineFor(onClose, { spec: predictorSpec(combiner('c', c.port, [model('a', a.port), model('b', b.port)])) }) };
});

const formCombiner = graphs.prepare(async (onClose) => {
  // Models that answer what they got, content type included (a form in, a form out).
  const echo = (call: { text: string; headers: Readonly<Record<string, string | string[] | undefined>> }) => ({ body: call.text, headers: { 'content-type': String(call.headers['content-type']) } });
  const [c, a, b] = await Promise.all([childFor(onClose, () => rawJson('{"strData":"combined"}')), childFor(onClose, echo), childFor(onClose, echo)]);
  return { c, a, b, engine: await engineFor(onClose, { spec: predictorSpec(combiner('c', c.port, [model('a', a.port), model('b', b.port)])) }) };
});

const average2 = graphs.prepare(async (onClose) => {
  const [a, b] = await Promise.all([scriptedFor(onClose, rawJson('{}')), scriptedFor(onClose, rawJson('{}'))]);
  const graph = builtin('avg', 'AVERAGE_COMBINER', [model('a', a.server.port), model('b', b.server.port)]);
  return { a, b, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const average3 = graphs.prepare(async (onClose) => {
  const kids = await Promise.all([
    childFor(onClose, () => rawJson('{"data":{"ndarray":[[1,2,3]]}}')),
    childFor(onClose, () => rawJson('{"data":{"ndarray":[[4,5,6]]}}')),
    childFor(onClose, () => rawJson('{"data":{"ndarray":[[1,-1,0]]}}')),
  ]);
  const graph = builtin('avg3', 'AVERAGE_COMBINER', kids.map((k, i) => model(`m${i}`, k.port)));
  return { kids, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const ratio = (value: string): { name: string; value: string; type: string }[] => [{ name: 'ratioA', value, type: 'FLOAT' }];

const abExtremes = graphs.prepare(async (onClose) => {
  const [a, b, c] = await Promise.all([childFor(onClose, tagger('a')), childFor(onClose, tagger('b')), childFor(onClose, tagger('c'))]);
  // ab1 (ratioA 1) must take child 0, ab0; ab0 (ratioA 0) must take child 1, b.
  const graph = builtin('ab1', 'RANDOM_ABTEST', [builtin('ab0', 'RANDOM_ABTEST', [model('a', a.port), model('b', b.port)], ratio('0')), model('c', c.port)], ratio('1'));
  return { a, b, c, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const abHalf = graphs.prepare(async (onClose) => {
  const [a, b] = await Promise.all([childFor(onClose, tagger('a')), childFor(onClose, tagger('b'))]);
  const graph = builtin('ab', 'RANDOM_ABTEST', [model('a', a.port), model('b', b.port)], ratio('0.5'));
  return { a, b, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const simpleBuiltins = graphs.prepare(async (onClose) => {
  const b = await childFor(onClose, tagger('b'));
  const graph = builtin('sr', 'SIMPLE_ROUTER', [builtin('sm', 'SIMPLE_MODEL'), model('b', b.port)]);
  return { b, engine: await engineFor(onClose, { spec: predictorSpec(graph) }) };
});

const fanOut = graphs.prepare(async (onClose) => {
  const [p, a, b] = await Promise.all([childFor(onClose, tagger('p')), childFor(onClose, tagger('a')), childFor(onClose, tagger('b'))]);
  return { p, a, b, engine: await engineFor(onClose, { spec: predictorSpec(model('p', p.port, [model('a', a.port), model('b', b.port)])) }) };
});

const injection = graphs.prepare(async (onClose) => {
  const [r, a, b] = await Promise.all([scriptedFor(onClose, rawJson('[1]')), scriptedFor(onClose, rawJson('{}')), scriptedFor(onClose, rawJson('{}'))]);
  const graph = router('r', r.server.port, [model('a', a.server.port), model('b', b.server.port)]);
  return { r, a, b, engine: await engineFor(onClose, { spec: predictorSpec(graph), env: { SELDON_ENABLE_ROUTING_INJECTION: 'true' } }) };
});

const noInjection = graphs.prepare(async (onClose) => {
  const [r, a] = await Promise.all([childFor(onClose, () => rawJson('[0]')), childFor(onClose, () => rawJson('{"meta":{},"strData":"a"}'))]);
  const spec = predictorSpec(router('r', r.port, [model('a', a.port)]));
  return { engine: await engineFor(onClose, { spec, env: { SELDON_ENABLE_ROUTING_INJECTION: 'false' } }) };
});

describe('single MODEL', () => {
  let g: Awaited<ReturnType<typeof singleModel.get>>;
  before(async () => {
    g = await singleModel.get();
  });
  after(() => singleModel.close());

  test('forwards the request bytes to /predict and answers the model output unchanged', async () => {
    resetCalls(g.m.server);
    g.m.reply = rawJson('{ "data" : {"ndarray": [[0.7]]},\n  "meta": {} }');
    const request = '{ "data": { "ndarray": [[1, 2.0]] } }';
    const reply = await post(g.engine, request, { 'seldon-puid': 'puid-single-1', 'x-custom': 'kept' });
    assertOk(reply, '{ "data" : {"ndarray": [[0.7]]},\n  "meta": {} }');
    assert.equal(reply.headers.get('seldon-puid'), 'puid-single-1');
    assert.equal(g.m.server.calls.length, 1);
    const call = g.m.server.calls[0];
    assert.ok(call !== undefined);
    assert.equal(call.method, 'POST');
    assert.equal(call.path, '/predict');
    assert.equal(call.text, request);
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.headers['seldon-puid'], 'puid-single-1');
    assert.equal(call.headers['x-custom'], 'kept');
  });

  test('generates a puid when the client sends none, and gives the child the same one', async () => {
    resetCalls(g.m.server);
    g.m.reply = rawJson('{"strData":"ok"}');
    const reply = await post(g.engine, '{"strData":"x"}');
    assertOk(reply, '{"strData":"ok"}');
    const puid = reply.headers.get('seldon-puid') ?? '';
    assert.match(puid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(g.m.server.calls[0]?.headers['seldon-puid'], puid);
  });

  test('HTML-escapes <, > and & in a JSON answer (section 2.2) and keeps every other byte', async () => {
    g.m.reply = rawJson('{"strData":"<div class=\\"div-class\\"></div>",  "x": "a&b"}');
    const reply = await post(g.engine, '{"strData":"x"}');
    assertOk(reply, '{"strData":"\\u003cdiv class=\\"div-class\\"\\u003e\\u003c/div\\u003e",  "x": "a\\u0026b"}');
  });

  test('forwards a form-encoded body byte for byte with its content type', async () => {
    resetCalls(g.m.server);
    g.m.reply = rawJson('{"strData":"form ok"}');
    const form = 'json=%7B%22data%22%3A%7B%22ndarray%22%3A%5B%5B1%2C2%5D%5D%7D%7D&isDefault=true';
    const reply = await g.engine.post(PREDICT, form, { 'content-type': 'application/x-www-form-urlencoded' });
    assertOk(reply, '{"strData":"form ok"}');
    const call = g.m.server.calls[0];
    assert.equal(call?.path, '/predict');
    assert.equal(call?.text, form);
    assert.equal(call?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  test('forwards a multipart body (binary part included) byte for byte with its content type', async () => {
    resetCalls(g.m.server);
    g.m.reply = rawJson('{"strData":"multipart ok"}');
    const contentType = 'multipart/form-data; boundary=----infergraphBoundary7MA4YWxk';
    const body = Buffer.concat([
      Buffer.from('------infergraphBoundary7MA4YWxk\r\nContent-Disposition: form-data; name="strData"\r\n\r\nhello\r\n'),
      Buffer.from('------infergraphBoundary7MA4YWxk\r\nContent-Disposition: form-data; name="binData"; filename="x.bin"\r\n'),
      Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
      Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0d, 0x0a, 0xc3]),
      Buffer.from('\r\n------infergraphBoundary7MA4YWxk--\r\n'),
    ]);
    const res = await fetch(g.engine.url + PREDICT, { method: 'POST', headers: { 'content-type': contentType }, body });
    assert.equal(await res.text(), '{"strData":"multipart ok"}');
    assert.equal(res.status, 200);
    const call = g.m.server.calls[0];
    assert.ok(call !== undefined);
    assert.equal(call.path, '/predict');
    assert.ok(call.body.equals(body), 'the model received other bytes than the client sent');
    assert.equal(call.headers['content-type'], contentType);
  });
});

describe('OUTPUT_TRANSFORMER -> TRANSFORMER -> MODEL', () => {
  test('calls transform-input, predict, transform-output in that order, each with the previous output', async () => {
    const { ot, t, m, engine } = await chain.get();
    const request = '{"strData":"in"}';
    const reply = await post(engine, request, { 'seldon-puid': 'chain-1' });
    assertOk(reply, '{"strData":"in|t/transform-input|m/predict|ot/transform-output"}');
    assert.deepEqual(paths(t), ['/transform-input']);
    assert.deepEqual(paths(m), ['/predict']);
    assert.deepEqual(paths(ot), ['/transform-output']);
    assert.equal(t.calls[0]?.text, request);
    assert.equal(m.calls[0]?.text, '{"strData":"in|t/transform-input"}');
    assert.equal(ot.calls[0]?.text, '{"strData":"in|t/transform-input|m/predict"}');
    for (const s of [ot, t, m]) assert.equal(s.calls[0]?.headers['seldon-puid'], 'chain-1');
  });
  after(() => chain.close());
});

describe('untyped nodes with methods: TRANSFORM_INPUT + TRANSFORM_OUTPUT around ROUTE + AGGREGATE', () => {
  test('w transforms in, hub routes (-1: all) and aggregates, w transforms out; nothing calls /predict on w or hub', async () => {
    const { w, hub, a, b, engine } = await methodNodes.get();
    const reply = await post(engine, '{"strData":"in"}');
    const aggregated = '[{"strData":"in|w/transform-input|a/predict"},{"strData":"in|w/transform-input|b/predict"}]';
    assertOk(reply, JSON.stringify({ strData: `agg:${aggregated}|w/transform-output` }));
    assert.deepEqual(paths(w), ['/transform-input', '/transform-output']);
    assert.deepEqual(paths(hub), ['/route', '/aggregate']);
    assert.equal(hub.calls[0]?.text, '{"strData":"in|w/transform-input"}');
    assert.equal(hub.calls[1]?.text, aggregated);
    assert.deepEqual(paths(a), ['/predict']);
    assert.deepEqual(paths(b), ['/predict']);
  });
  after(() => methodNodes.close());
});

describe('ROUTER with two MODEL children', () => {
  let g: Awaited<ReturnType<typeof routerGraph.get>>;
  const request = '{"strData":"in"}';
  const send = (reply: string, body = request, headers: Readonly<Record<string, string>> = {}): Promise<EngineReply> => {
    resetCalls(g.r.server, g.a, g.b);
    g.r.reply = rawJson(reply);
    return post(g.engine, body, headers);
  };
  before(async () => {
    g = await routerGraph.get();
  });
  after(() => routerGraph.close());

  test('{"data":{"ndarray":[[1]]}} routes to child 1 only', async () => {
    const reply = await send('{"data":{"ndarray":[[1]]}}', request, { 'seldon-puid': 'route-1' });
    assertOk(reply, '{"strData":"in|b/predict"}');
    assert.deepEqual(paths(g.r.server), ['/route']);
    assert.equal(g.r.server.calls[0]?.text, request);
    assert.equal(g.r.server.calls[0]?.headers['seldon-puid'], 'route-1');
    assert.deepEqual(paths(g.a), []);
    assert.deepEqual(paths(g.b), ['/predict']);
    assert.equal(g.b.calls[0]?.text, request);
    assert.equal(g.b.calls[0]?.headers['seldon-puid'], 'route-1');
  });

  test('a bare list [1] routes to child 1 only', async () => {
    assertOk(await send('[1]'), '{"strData":"in|b/predict"}');
    assert.deepEqual(paths(g.a), []);
    assert.deepEqual(paths(g.b), ['/predict']);
  });

  test('a bare list [0] routes to child 0 only', async () => {
    assertOk(await send('[0]'), '{"strData":"in|a/predict"}');
    assert.deepEqual(paths(g.a), ['/predict']);
    assert.deepEqual(paths(g.b), []);
  });

  test('route -1 calls both children and answers the first one', async () => {
    assertOk(await send('{"data":{"tensor":{"shape":[1],"values":[-1]}}}'), '{"strData":"in|a/predict"}');
    assert.deepEqual(paths(g.a), ['/predict']);
    assert.deepEqual(paths(g.b), ['/predict']);
  });

  test('route -2 calls no child and answers the router input (the request) unchanged', async () => {
    const body = '{ "strData" : "stop here" }';
    assertOk(await send('[-2]', body), body);
    assert.deepEqual(paths(g.r.server), ['/route']);
    assert.deepEqual(paths(g.a), []);
    assert.deepEqual(paths(g.b), []);
  });

  test('route 5 with two children is a 500 INVALID_ROUTING naming the router and the index; no child is called', async () => {
    const reply = await send('[5]');
    assert.equal(reply.status, 500);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    assert.equal(reply.text, errorBody(500, 'router "r" answered route 5, but it has 2 children (valid routes: -2, -1, 0..1)', 'INVALID_ROUTING'));
    assert.deepEqual(paths(g.a), []);
    assert.deepEqual(paths(g.b), []);
  });

  test('after a bad route, a good request succeeds', async () => {
    assertOk(await send('[1]'), '{"strData":"in|b/predict"}');
  });
});

describe('COMBINER over two MODEL children', () => {
  test('/aggregate receives a JSON array of the children raw outputs, in child order', async () => {
    const { c, a, b, engine } = await combinerGraph.get();
    const request = '{"strData":"in"}';
    const reply = await post(engine, request, { 'seldon-puid': 'comb-1' });
    assertOk(reply, '{"strData":"combined"}');
    assert.deepEqual(paths(a), ['/predict']);
    assert.deepEqual(paths(b), ['/predict']);
    assert.equal(a.calls[0]?.text, request);
    assert.equal(b.calls[0]?.text, request);
    assert.deepEqual(paths(c), ['/aggregate']);
    const call = c.calls[0];
    assert.equal(call?.text, '[{"strData": "a",\n "n": 1.50},{ "strData" : "b" }]');
    assert.equal(call?.headers['content-type'], 'application/json');
    assert.equal(call?.headers['seldon-puid'], 'comb-1');
  });
  after(() => combinerGraph.close());
});

describe('COMBINER over children answering a form', () => {
  test('/aggregate receives the JSON of each form (its json field) as application/json, not the form bytes', async () => {
    const { c, a, engine } = await formCombiner.get();
    const form = `json=${encodeURIComponent('{"strData":"in"}')}`;
    const reply = await engine.post(PREDICT, form, { 'content-type': 'application/x-www-form-urlencoded' });
    assertOk(reply, '{"strData":"combined"}');
    assert.equal(a.calls[0]?.text, form);
    const call = c.calls[0];
    assert.equal(call?.text, '[{"strData":"in"},{"strData":"in"}]');
    assert.equal(call?.headers['content-type'], 'application/json');
  });
  after(() => formCombiner.close());
});

describe('AVERAGE_COMBINER over two REST models', () => {
  let g: Awaited<ReturnType<typeof average2.get>>;
  before(async () => {
    g = await average2.get();
  });
  after(() => average2.close());

  test('answers the element-wise mean, with the first output names and meta', async () => {
    g.a.reply = rawJson('{"meta":{"tags":{"k":"v"}},"data":{"names":["x","y"],"ndarray":[[1,2],[3,4]]}}');
    g.b.reply = rawJson('{"data":{"ndarray":[[2,5],[3,-4]]}}');
    assertOk(await post(g.engine, '{"data":{"ndarray":[[0,0]]}}'), '{"data":{"names":["x","y"],"ndarray":[[1.5,3.5],[3,0]]},"meta":{"tags":{"k":"v"}}}');
  });

  test('averages tensors into a tensor', async () => {
    g.a.reply = rawJson('{"data":{"tensor":{"shape":[1,3],"values":[0.5,1,10]}}}');
    g.b.reply = rawJson('{"data":{"tensor":{"shape":[1,3],"values":[1.5,2,-10]}}}');
    assertOk(await post(g.engine, '{}'), '{"data":{"tensor":{"shape":[1,3],"values":[1,1.5,0]}}}');
  });

  test('outputs of different shapes are a 500 INVALID_COMBINER_INPUT, and the engine keeps serving', async () => {
    g.a.reply = rawJson('{"data":{"ndarray":[[1,2]]}}');
    g.b.reply = rawJson('{"data":{"ndarray":[[1,2,3]]}}');
    const reply = await post(g.engine, '{}');
    assert.equal(reply.status, 500);
    assert.equal(reply.text, errorBody(500, 'AVERAGE_COMBINER node "avg": input 1 has shape [1,3], input 0 has shape [1,2]', 'INVALID_COMBINER_INPUT'));
    g.b.reply = rawJson('{"data":{"ndarray":[[3,4]]}}');
    assertOk(await post(g.engine, '{}'), '{"data":{"ndarray":[[2,3]]}}');
  });
});

describe('AVERAGE_COMBINER over three REST models', () => {
  test('answers the mean of the three outputs, each child called once with the request', async () => {
    const { kids, engine } = await average3.get();
    const request = '{"data":{"ndarray":[[9]]}}';
    assertOk(await post(engine, request), '{"data":{"ndarray":[[2,2,3]]}}');
    for (const k of kids) {
      assert.deepEqual(paths(k), ['/predict']);
      assert.equal(k.calls[0]?.text, request);
    }
  });
  after(() => average3.close());
});

describe('RANDOM_ABTEST', () => {
  after(() => Promise.all([abExtremes.close(), abHalf.close()]));

  test('ratioA 1 always picks child 0, ratioA 0 always picks child 1', async () => {
    const { a, b, c, engine } = await abExtremes.get();
    const replies = await withConcurrency(50, 10, () => post(engine, '{"strData":"in"}'));
    for (const r of replies) assertOk(r, '{"strData":"in|b/predict"}');
    assert.equal(a.calls.length, 0);
    assert.equal(b.calls.length, 50);
    assert.equal(c.calls.length, 0);
  });

  test('ratioA 0.5 sends 45-55% of 2,000 requests to child 0, and each request to exactly one child', async () => {
    const { a, b, engine } = await abHalf.get();
    const client = bulkClient(engine.url, 20);
    const replies = await withConcurrency(2000, 20, () => client.post(PREDICT, '{"strData":"in"}', JSON_CT)).finally(() => client.close());
    let toA = 0;
    for (const r of replies) {
      assert.equal(r.status, 200);
      if (r.text === '{"strData":"in|a/predict"}') toA++;
      else assert.equal(r.text, '{"strData":"in|b/predict"}');
    }
    assert.equal(a.calls.length, toA);
    assert.equal(b.calls.length, 2000 - toA);
    const share = toA / 2000;
    assert.ok(share >= 0.45 && share <= 0.55, `child 0 got ${toA} of 2000 (${share})`);
  });
});

describe('SIMPLE_ROUTER over [SIMPLE_MODEL, MODEL]', () => {
  test('always routes to child 0, whose SIMPLE_MODEL answers the Java engine stub to any JSON and 400 to a body that is not', async () => {
    const { b, engine } = await simpleBuiltins.get();
    const expected =
      '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},' +
      '"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1},' +
      '{"key":"mymetric_gauge","type":"GAUGE","value":100},{"key":"mymetric_timer","type":"TIMER","value":22.1}]}}';
    assert.equal(SIMPLE_MODEL_RESPONSE, expected);
    const replies = await withConcurrency(20, 5, () => post(engine, '{"data":{"ndarray":[[1,2]]}}'));
    for (const r of replies) assertOk(r, expected);
    assertOk(await post(engine, '{"strData":"anything"}'), expected);
    // A model refuses a body that is not JSON; so does SIMPLE_MODEL (and so did the Java engine).
    const bad = await engine.post(PREDICT, 'not even json', { 'content-type': 'text/plain' });
    assert.equal(bad.status, 400, bad.text);
    const status = (JSON.parse(bad.text) as { status: { reason: string; info: string } }).status;
    assert.equal(status.reason, 'BAD_REQUEST_JSON');
    assert.match(status.info, /request body is not valid JSON/);
    // A form body is read from its json field, else as a whole (curl -d sends JSON as a form).
    assertOk(await engine.post(PREDICT, '{"data":{"ndarray":[[1,2]]}}', { 'content-type': 'application/x-www-form-urlencoded' }), expected);
    const badForm = await engine.post(PREDICT, 'garbage', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(badForm.status, 400, badForm.text);
    // A body of another type (here binary) is not read: a model may take it.
    assertOk(await engine.post(PREDICT, 'not json either', { 'content-type': 'application/octet-stream' }), expected);
    assertOk(await post(engine, '{"data":{"ndarray":[[1,2]]}}'), expected);
    assert.equal(b.calls.length, 0);
  });

  after(() => simpleBuiltins.close());
});

describe('MODEL with two MODEL children (fan-out)', () => {
  test('both children get the parent output; the first child output is the answer', async () => {
    const { p, a, b, engine } = await fanOut.get();
    const reply = await post(engine, '{"strData":"in"}', { 'seldon-puid': 'fan-1' });
    assertOk(reply, '{"strData":"in|p/predict|a/predict"}');
    assert.deepEqual(paths(p), ['/predict']);
    assert.deepEqual(paths(a), ['/predict']);
    assert.deepEqual(paths(b), ['/predict']);
    assert.equal(a.calls[0]?.text, '{"strData":"in|p/predict"}');
    assert.equal(b.calls[0]?.text, '{"strData":"in|p/predict"}');
    for (const s of [p, a, b]) assert.equal(s.calls[0]?.headers['seldon-puid'], 'fan-1');
  });
  after(() => fanOut.close());
});

describe('routing injection (SELDON_ENABLE_ROUTING_INJECTION=true)', () => {
  let g: Awaited<ReturnType<typeof injection.get>>;
  before(async () => {
    g = await injection.get();
  });
  after(() => injection.close());

  test('adds meta.routing to an existing meta and leaves every other byte alone', async () => {
    g.r.reply = rawJson('[1]');
    g.b.reply = rawJson('{ "zeta": 1,\n  "alpha" : 12345678901234567890123, "f": 2.0, "meta" : {"tags":{"x":1}} }');
    const reply = await post(g.engine, '{"strData":"in"}');
    assertOk(reply, '{ "zeta": 1,\n  "alpha" : 12345678901234567890123, "f": 2.0, "meta" : {"routing":{"r":1,"b":-1},"tags":{"x":1}} }');
  });

  test('creates meta when the answer has none', async () => {
    g.r.reply = rawJson('[0]');
    g.a.reply = rawJson('{"data":{"ndarray":[[1.0]]}}');
    assertOk(await post(g.engine, '{"strData":"in"}'), '{"meta":{"routing":{"r":0,"a":-1}},"data":{"ndarray":[[1.0]]}}');
  });

  test('route -2 injects {"r":-2} into the request that comes back', async () => {
    g.r.reply = rawJson('[-2]');
    assertOk(await post(g.engine, '{"strData":"in"}'), '{"meta":{"routing":{"r":-2}},"strData":"in"}');
  });
});

describe('routing injection off (SELDON_ENABLE_ROUTING_INJECTION=false)', () => {
  test('the answer is the child answer unchanged', async () => {
    const { engine } = await noInjection.get();
    assertOk(await post(engine, '{"strData":"in"}'), '{"meta":{},"strData":"a"}');
  });
  after(() => noInjection.close());
});
