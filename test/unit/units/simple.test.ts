import { Cancel } from '../../../src/graph/cancel';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec } from '../../../src/graph/spec';
import type { CallContext } from '../../../src/graph/unit';
import { Payload } from '../../../src/message/payload';
import { UnitRegistry } from '../../../src/units/registry';
import { registerBuiltins } from '../../../src/units/builtin';
import { SIMPLE_MODEL_RESPONSE, simpleModel } from '../../../src/units/builtin/simple-model';
import { simpleRouter } from '../../../src/units/builtin/simple-router';

function node(implementation: string, children = 0): NodeSpec {
  return {
    name: 'n',
    type: 'UNKNOWN_TYPE',
    implementation,
    methods: [],
    endpoint: undefined,
    parameters: [],
    logger: undefined,
    children: Array.from({ length: children }, (_, i) => ({ ...node('SIMPLE_MODEL'), name: `c${i}` })),
  };
}

const ctx: CallContext = { puid: 'p', headers: {}, signal: new Cancel(), routing: new Map() };
const deps = { random: (): number => 0.5 };

test('registerBuiltins registers the four built-ins', () => {
  const registry = registerBuiltins(new UnitRegistry());
  assert.deepEqual(registry.names().sort(), ['AVERAGE_COMBINER', 'RANDOM_ABTEST', 'SIMPLE_MODEL', 'SIMPLE_ROUTER']);
  for (const name of registry.names()) assert.equal(registry.get(name)?.name, name);
});

test('SIMPLE_MODEL answers the Java stub, byte for byte, to any JSON input', async () => {
  assert.equal(
    SIMPLE_MODEL_RESPONSE,
    '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1},{"key":"mymetric_gauge","type":"GAUGE","value":100},{"key":"mymetric_timer","type":"TIMER","value":22.1}]}}',
  );
  const unit = simpleModel.create(node('SIMPLE_MODEL'), deps);
  assert.ok(unit.transformInput);
  for (const [input, type] of [['{"data":{"ndarray":[[1,2]]}}', 'text/plain'], ['{"strData":"x"}', 'application/json'], ['[1]', ''], ['not json', 'application/octet-stream']]) {
    const out = await unit.transformInput(new Payload(Buffer.from(input as string), type as string), ctx);
    assert.equal(out.body.toString('utf8'), SIMPLE_MODEL_RESPONSE);
    assert.equal(out.contentType, 'application/json');
    assert.deepEqual(out.json(), JSON.parse(SIMPLE_MODEL_RESPONSE));
  }
  assert.equal(unit.route, undefined);
  assert.equal(unit.aggregate, undefined);
});

test('SIMPLE_MODEL refuses JSON input that does not parse: the caller\'s as BAD_REQUEST_JSON, a child\'s answer as CHILD_BAD_RESPONSE', async () => {
  const unit = simpleModel.create(node('SIMPLE_MODEL'), deps);
  assert.ok(unit.transformInput);
  await assert.rejects(unit.transformInput(new Payload(Buffer.from('{"data":'), 'application/json'), ctx), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'BAD_REQUEST_JSON');
    assert.match(err.message, /^request body is not valid JSON/);
    return true;
  });
  const fromChild = new Payload(Buffer.from('<html>'), 'application/json', '', undefined, 'upstream');
  await assert.rejects(unit.transformInput(fromChild, ctx), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CHILD_BAD_RESPONSE');
    assert.match(err.message, /the answer of node "upstream" is not valid JSON/);
    return true;
  });
});

test('SIMPLE_MODEL accepts any number of children', () => {
  assert.deepEqual(simpleModel.check(node('SIMPLE_MODEL')), []);
  assert.deepEqual(simpleModel.check(node('SIMPLE_MODEL', 3)), []);
});

test('SIMPLE_ROUTER always routes to 0', async () => {
  const unit = simpleRouter.create(node('SIMPLE_ROUTER', 2), deps);
  assert.ok(unit.route);
  for (const input of ['{"data":{"ndarray":[[1]]}}', '[1]']) {
    assert.equal(await unit.route(new Payload(Buffer.from(input), 'application/json'), ctx), 0);
  }
});

test('SIMPLE_ROUTER needs at least one child', () => {
  assert.deepEqual(simpleRouter.check(node('SIMPLE_ROUTER', 1)), []);
  assert.deepEqual(simpleRouter.check(node('SIMPLE_ROUTER', 3)), []);
  const problems = simpleRouter.check(node('SIMPLE_ROUTER', 0));
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /at least 1 child/);
});
