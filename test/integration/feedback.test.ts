import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildServer } from '../helpers/child-server';
import type { EngineReply } from '../helpers/engine';
import { FEEDBACK, PREDICT, builtin, childFor, engineFor, errorBody, model, paths, predictorSpec, preparer, rawJson, resetCalls, router } from '../helpers/graphs';

/**
 * Feedback (section 4.7) end to end: the feedback follows `response.meta.routing` down the graph,
 * children before their parent, and the client gets the root's own send-feedback answer.
 */

const JSON_CT = { 'content-type': 'application/json' };

function feedback(routing: Record<string, number> | undefined, reward = 1): string {
  const response = routing === undefined ? { data: { ndarray: [[0.9]] } } : { meta: { routing }, data: { ndarray: [[0.9]] } };
  return JSON.stringify({ request: { data: { ndarray: [[1, 2]] } }, response, reward });
}

const graphs = preparer(2);
after(() => graphs.closeAll());

type Name = 'r' | 'a' | 'r2' | 'c' | 'd';
const NAMES: readonly Name[] = ['r', 'a', 'r2', 'c', 'd'];

/** r -> [a, r2 -> [c, d]]; every call any child gets is appended to `log` as `<node><path>`. */
const tree = graphs.prepare(async (onClose) => {
  const log: string[] = [];
  const started = await Promise.all(NAMES.map((name) => childFor(onClose, (call) => {
    log.push(`${name}${call.path}`);
    if (call.path === '/route') return rawJson(name === 'r' ? '[1]' : '[0]');
    if (call.path === '/predict') return rawJson(`{"strData":"predicted by ${name}"}`);
    // A little whitespace: the root's answer must reach the client byte for byte.
    return rawJson(`{"strData": "feedback taken by ${name}"}`);
  })));
  const servers = Object.fromEntries(NAMES.map((n, i) => [n, started[i]])) as Record<Name, ChildServer>;
  const graph = router('r', servers.r.port, [model('a', servers.a.port), router('r2', servers.r2.port, [model('c', servers.c.port), model('d', servers.d.port)])]);
  // Injection on, so a prediction carries the routing a bandit's feedback sends back.
  const engine = await engineFor(onClose, { spec: predictorSpec(graph), env: { SELDON_ENABLE_ROUTING_INJECTION: 'true' } });
  return { log, servers, engine };
});

const refusing = graphs.prepare(async (onClose) => {
  const [r, bad] = await Promise.all([
    childFor(onClose, () => rawJson('{"strData":"router took it"}')),
    childFor(onClose, () => ({ status: 409, body: '{"status":"refused"}', headers: { 'content-type': 'application/json' } })),
  ]);
  return { r, bad, engine: await engineFor(onClose, { spec: predictorSpec(router('r', r.port, [model('bad', bad.port)])) }) };
});

const builtinRoot = graphs.prepare(async (onClose) => {
  const [a, b] = await Promise.all([childFor(onClose, () => rawJson('{"strData":"a"}')), childFor(onClose, () => rawJson('{"strData":"b"}'))]);
  return { a, b, engine: await engineFor(onClose, { spec: predictorSpec(builtin('sr', 'SIMPLE_ROUTER', [model('a', a.port), model('b', b.port)])) }) };
});

describe('feedback through ROUTER r -> [MODEL a, ROUTER r2 -> [MODEL c, MODEL d]]', () => {
  let g: Awaited<ReturnType<typeof tree.get>>;
  const send = (body: string, headers: Readonly<Record<string, string>> = {}): Promise<EngineReply> => {
    g.log.length = 0;
    resetCalls(...Object.values(g.servers));
    return g.engine.post(FEEDBACK, body, { ...JSON_CT, ...headers });
  };
  before(async () => {
    g = await tree.get();
  });
  after(() => tree.close());

  test('follows the routing: only the chosen children, children before parents; answers the root own answer', async () => {
    const body = feedback({ r: 1, r2: 0 });
    const reply = await send(body, { 'seldon-puid': 'fb-1' });
    assert.equal(reply.text, '{"strData": "feedback taken by r"}');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    assert.equal(reply.headers.get('seldon-puid'), 'fb-1');
    assert.deepEqual(g.log, ['c/send-feedback', 'r2/send-feedback', 'r/send-feedback']);
    for (const name of ['c', 'r2', 'r'] as const) {
      const call = g.servers[name].calls[0];
      assert.equal(call?.method, 'POST');
      assert.equal(call?.text, body, `${name} got other bytes than the client sent`);
      assert.equal(call?.headers['content-type'], 'application/json');
      assert.equal(call?.headers['seldon-puid'], 'fb-1');
    }
    assert.deepEqual(paths(g.servers.a), []);
    assert.deepEqual(paths(g.servers.d), []);
  });

  test('a router without a routing entry sends the feedback to all its children', async () => {
    const reply = await send(feedback({ r: 1 }));
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"strData": "feedback taken by r"}');
    assert.deepEqual([...g.log].sort(), ['c/send-feedback', 'd/send-feedback', 'r/send-feedback', 'r2/send-feedback']);
    assert.equal(g.log.at(-1), 'r/send-feedback');
    assert.ok(g.log.indexOf('r2/send-feedback') > Math.max(g.log.indexOf('c/send-feedback'), g.log.indexOf('d/send-feedback')));
  });

  test('no routing at all: every node that takes feedback gets it once, the root last', async () => {
    const reply = await send(feedback(undefined));
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"strData": "feedback taken by r"}');
    assert.deepEqual([...g.log].sort(), ['a/send-feedback', 'c/send-feedback', 'd/send-feedback', 'r/send-feedback', 'r2/send-feedback']);
    assert.equal(g.log.at(-1), 'r/send-feedback');
  });

  test('route -2 sends the feedback to none of the router children', async () => {
    const reply = await send(feedback({ r: -2 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(g.log, ['r/send-feedback']);
  });

  test('the routing of a router off the path is not checked: {"r":0,"r2":7} goes to a only', async () => {
    const reply = await send(feedback({ r: 0, r2: 7 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(g.log, ['a/send-feedback', 'r/send-feedback']);
  });

  test('the routing a prediction returned (routing injection) brings the feedback back along the same path', async () => {
    g.log.length = 0;
    const prediction = await g.engine.post(PREDICT, '{"strData":"x"}', JSON_CT);
    assert.equal(prediction.text, '{"meta":{"routing":{"r":1,"r2":0,"c":-1}},"strData":"predicted by c"}');
    assert.deepEqual(g.log, ['r/route', 'r2/route', 'c/predict']);
    const reply = await send(`{"request":{"strData":"x"},"response":${prediction.text},"reward":1}`);
    assert.equal(reply.status, 200);
    assert.deepEqual(g.log, ['c/send-feedback', 'r2/send-feedback', 'r/send-feedback']);
  });

  test('a routing index out of range is a 400 BAD_FEEDBACK_ROUTING, and no child is called', async () => {
    const reply = await send(feedback({ r: 1, r2: 7 }));
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    assert.equal(reply.text, errorBody(400, 'feedback response.meta.routing["r2"] is 7, but node "r2" has 2 children (valid: -2, -1, 0..1)', 'BAD_FEEDBACK_ROUTING'));
    assert.deepEqual(g.log, []);
  });

  test('a negative index other than -1/-2 is a 400 BAD_FEEDBACK_ROUTING, and no child is called', async () => {
    const reply = await send(feedback({ r: -3 }));
    assert.equal(reply.status, 400);
    assert.equal(reply.text, errorBody(400, 'feedback response.meta.routing["r"] is -3, but node "r" has 2 children (valid: -2, -1, 0..1)', 'BAD_FEEDBACK_ROUTING'));
    assert.deepEqual(g.log, []);
  });

  test('a routing value that is not an integer is a 400 BAD_FEEDBACK_ROUTING', async () => {
    const reply = await send('{"response":{"meta":{"routing":{"r":"1"}}},"reward":1}');
    assert.equal(reply.status, 400);
    assert.equal(reply.text, errorBody(400, 'feedback response.meta.routing["r"] must be an integer, got "1"', 'BAD_FEEDBACK_ROUTING'));
    assert.deepEqual(g.log, []);
  });

  test('a body that is not JSON is a 400 BAD_REQUEST_JSON, and no child is called', async () => {
    const reply = await send('{"request": not json');
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    const status = (reply.json() as { status: Record<string, unknown> }).status;
    assert.equal(status['code'], 400);
    assert.equal(status['reason'], 'BAD_REQUEST_JSON');
    assert.equal(status['status'], 'FAILURE');
    assert.match(String(status['info']), /^feedback body is not valid JSON: /);
    assert.deepEqual(g.log, []);
  });

  test('JSON that is not a Feedback object is a 400 BAD_REQUEST_JSON', async () => {
    for (const [body, info] of [
      ['[1,2]', 'feedback body must be a JSON object {"request":...,"response":...,"reward":...}'],
      ['{"response":[1]}', 'feedback "response" must be a SeldonMessage object'],
      ['{"reward":"high"}', 'feedback "reward" must be a finite number, got "high"'],
      ['{"reward":1e400}', 'feedback "reward" must be a finite number, got Infinity'],
      ['{"response":{"meta":{"routing":[1]}}}', 'feedback response.meta.routing must be an object of node name to route'],
    ] as const) {
      const reply = await send(body);
      assert.equal(reply.status, 400, body);
      assert.equal(reply.text, errorBody(400, info, 'BAD_REQUEST_JSON'), body);
      assert.deepEqual(g.log, [], body);
    }
  });

  test('the engine still serves feedback after the bad ones', async () => {
    const reply = await send(feedback({ r: 0 }));
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"strData": "feedback taken by r"}');
    assert.deepEqual(g.log, ['a/send-feedback', 'r/send-feedback']);
  });
});

describe('feedback to a child that refuses it', () => {
  test('the child status and body reach the client, and its parent is not asked', async () => {
    const { r, bad, engine } = await refusing.get();
    const reply = await engine.post(FEEDBACK, feedback({ r: 0 }), JSON_CT);
    assert.equal(reply.status, 409);
    assert.equal(reply.text, '{"status":"refused"}');
    assert.deepEqual(paths(bad), ['/send-feedback']);
    assert.deepEqual(paths(r), []);
  });
  after(() => refusing.close());
});

describe('feedback to a graph whose root takes no feedback (SIMPLE_ROUTER)', () => {
  test('echoes the feedback request (HTML-escaped) after the chosen child took it', async () => {
    const { a, b, engine } = await builtinRoot.get();
    const body = '{"request":{"strData":"<b>"},\n "response":{"meta":{"routing":{"sr":1}}}, "reward": 0.5}';
    const reply = await engine.post(FEEDBACK, body, JSON_CT);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    assert.equal(reply.text, '{"request":{"strData":"\\u003cb\\u003e"},\n "response":{"meta":{"routing":{"sr":1}}}, "reward": 0.5}');
    assert.deepEqual(paths(a), []);
    assert.deepEqual(paths(b), ['/send-feedback']);
    assert.equal(b.calls[0]?.text, body);
  });
  after(() => builtinRoot.close());
});
