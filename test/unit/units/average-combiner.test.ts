import { Cancel } from '../../../src/graph/cancel';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, type ErrorCode } from '../../../src/errors';
import type { NodeSpec } from '../../../src/graph/spec';
import type { CallContext, Unit } from '../../../src/graph/unit';
import { Payload } from '../../../src/message/payload';
import { averageCombiner } from '../../../src/units/builtin/average-combiner';

function node(children = 2): NodeSpec {
  const base = { type: 'UNKNOWN_TYPE', methods: [], endpoint: undefined, parameters: [], logger: undefined } as const;
  return {
    ...base,
    name: 'avg',
    implementation: 'AVERAGE_COMBINER',
    children: Array.from({ length: children }, (_, i) => ({ ...base, name: `c${i}`, implementation: 'SIMPLE_MODEL', children: [] })),
  };
}

const ctx: CallContext = { puid: 'p', headers: {}, signal: new Cancel(), routing: new Map() };
const unit: Unit = averageCombiner.create(node(), { random: Math.random });

const payload = (body: string): Payload => new Payload(Buffer.from(body), 'application/json');

/** The combiner's output body for these input bodies. */
async function combine(...bodies: string[]): Promise<string> {
  assert.ok(unit.aggregate);
  const out = await unit.aggregate(bodies.map(payload), ctx);
  assert.equal(out.contentType, 'application/json');
  return out.body.toString('utf8');
}

async function rejects(bodies: string[], code: ErrorCode, message: string): Promise<void> {
  await assert.rejects(combine(...bodies), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

test('check: at least one child', () => {
  assert.deepEqual(averageCombiner.check(node(1)), []);
  assert.deepEqual(averageCombiner.check(node(3)), []);
  assert.equal(averageCombiner.check(node(0)).length, 1);
});

test('two ndarray inputs', async () => {
  assert.equal(await combine('{"data":{"ndarray":[[1,2]]}}', '{"data":{"ndarray":[[3,4]]}}'), '{"data":{"ndarray":[[2,3]]}}');
});

test('three ndarray inputs, 2 rows', async () => {
  assert.equal(
    await combine('{"data":{"ndarray":[[1,2],[3,4]]}}', '{"data":{"ndarray":[[2,4],[6,8]]}}', '{"data":{"ndarray":[[3,0],[0,-3]]}}'),
    '{"data":{"ndarray":[[2,2],[3,3]]}}',
  );
});

test('one input is returned as its own mean', async () => {
  assert.equal(await combine('{"data":{"ndarray":[0.5,1.5]}}'), '{"data":{"ndarray":[0.5,1.5]}}');
});

test('1-D and 3-D ndarrays', async () => {
  assert.equal(await combine('{"data":{"ndarray":[1,2,3]}}', '{"data":{"ndarray":[3,2,1]}}'), '{"data":{"ndarray":[2,2,2]}}');
  assert.equal(
    await combine('{"data":{"ndarray":[[[1],[2]],[[3],[4]]]}}', '{"data":{"ndarray":[[[3],[4]],[[5],[6]]]}}'),
    '{"data":{"ndarray":[[[2],[3]],[[4],[5]]]}}',
  );
});

test('tensor inputs', async () => {
  assert.equal(
    await combine('{"data":{"tensor":{"shape":[2,2],"values":[1,2,3,4]}}}', '{"data":{"tensor":{"shape":[2,2],"values":[2,3,4,6]}}}'),
    '{"data":{"tensor":{"shape":[2,2],"values":[1.5,2.5,3.5,5]}}}',
  );
});

test('two SIMPLE_MODEL answers average to themselves', async () => {
  const simple =
    '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1}]}}';
  assert.equal(
    await combine(simple, simple),
    '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1}]}}',
  );
});

test('mixed kinds: the first input decides the output kind', async () => {
  const nd = '{"data":{"ndarray":[[1,2,3]]}}';
  const t = '{"data":{"tensor":{"shape":[1,3],"values":[3,4,5]}}}';
  assert.equal(await combine(nd, t), '{"data":{"ndarray":[[2,3,4]]}}');
  assert.equal(await combine(t, nd), '{"data":{"tensor":{"shape":[1,3],"values":[2,3,4]}}}');
});

test('names, meta and status come from the first input only', async () => {
  const first = '{"meta":{"puid":"a","tags":{"x":1}},"status":{"status":"SUCCESS"},"data":{"names":["a","b"],"ndarray":[[1,2]]}}';
  const second = '{"meta":{"puid":"b"},"data":{"names":["c","d"],"ndarray":[[3,4]]}}';
  assert.equal(await combine(first, second), '{"data":{"names":["a","b"],"ndarray":[[2,3]]},"meta":{"puid":"a","tags":{"x":1}},"status":{"status":"SUCCESS"}}');
  assert.equal(await combine(second.replace('"names":["c","d"],', ''), first), '{"data":{"ndarray":[[2,3]]},"meta":{"puid":"b"}}');
});

test('inputs are not mutated and meta is not shared', async () => {
  assert.ok(unit.aggregate);
  const a = Payload.fromJson({ meta: { tags: { x: 1 } }, data: { ndarray: [[1]] } });
  const b = payload('{"data":{"ndarray":[[3]]}}');
  const out = await unit.aggregate([a, b], ctx);
  const meta = (out.json() as { meta: { tags: Record<string, unknown> } }).meta;
  meta.tags['y'] = 2;
  assert.deepEqual(a.json(), { meta: { tags: { x: 1 } }, data: { ndarray: [[1]] } });
  assert.equal(b.body.toString(), '{"data":{"ndarray":[[3]]}}');
});

test('shapes that differ', async () => {
  await rejects(
    ['{"data":{"ndarray":[[1,2]]}}', '{"data":{"ndarray":[[1,2,3]]}}'],
    'INVALID_COMBINER_INPUT',
    'AVERAGE_COMBINER node "avg": input 1 has shape [1,3], input 0 has shape [1,2]',
  );
  await rejects(
    ['{"data":{"ndarray":[[1,2]]}}', '{"data":{"ndarray":[[1,2]]}}', '{"data":{"tensor":{"shape":[2],"values":[1,2]}}}'],
    'INVALID_COMBINER_INPUT',
    'AVERAGE_COMBINER node "avg": input 2 has shape [2], input 0 has shape [1,2]',
  );
});

test('ragged or non-numeric data names the input', async () => {
  await rejects(
    ['{"data":{"ndarray":[[1,2]]}}', '{"data":{"ndarray":[[1,2],[3,4,5]]}}'],
    'INVALID_COMBINER_INPUT',
    'AVERAGE_COMBINER node "avg": input 1: data.ndarray row 1 has 3 elements, row 0 has 2',
  );
  await rejects(['{"data":{"ndarray":[["a"]]}}', '{"data":{"ndarray":[[1]]}}'], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": input 0: data.ndarray[0][0] is "a", not a number');
});

test('inputs without numeric data', async () => {
  const ok = '{"data":{"ndarray":[[1]]}}';
  await rejects([ok, '{"data":{}}'], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": input 1: data has neither ndarray nor tensor');
  await rejects([ok, '{}'], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": input 1: the message has no data');
  await rejects([ok, '{"strData":"x"}'], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": input 1: the message has strData instead of data');
  await rejects([ok, '3'], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": input 1: the message is 3, not a SeldonMessage object');
});

test('an input that is not JSON', async () => {
  const ok = '{"data":{"ndarray":[[1]]}}';
  await assert.rejects(combine(ok, ok, 'oops'), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.code, 'CHILD_BAD_RESPONSE');
    assert.match(err.message, /^AVERAGE_COMBINER node "avg": input 2 of 3 is not JSON \(/);
    return true;
  });
});

test('no inputs and overflowing sums are refused', async () => {
  await rejects([], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": got no inputs');
  const big = '{"data":{"ndarray":[1,1e308]}}';
  await rejects([big, big], 'INVALID_COMBINER_INPUT', 'AVERAGE_COMBINER node "avg": the sum of element 1 overflows');
});

test('a large tensor is averaged exactly and quickly', async () => {
  const n = 100_000;
  const a = Array.from({ length: n }, (_, i) => i);
  const b = Array.from({ length: n }, (_, i) => i + 2);
  const body = (values: number[]): string => JSON.stringify({ data: { tensor: { shape: [1, n], values } } });
  const start = process.hrtime.bigint();
  const out = JSON.parse(await combine(body(a), body(b))) as { data: { tensor: { values: number[] } } };
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.deepEqual(out.data.tensor.values, a.map((v) => v + 1));
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test('inputs nested deeper than the stack allows: INVALID_COMBINER_INPUT, not an internal error', async () => {
  const deep = (levels: number, inner: string): string => '['.repeat(levels) + inner + ']'.repeat(levels);
  const deepNdarray = `{"data":{"ndarray":${deep(20_000, '1')}}}`;
  const deepMeta = `{"meta":{"tags":{"x":${deep(200_000, '1')}}},"data":{"ndarray":[[1]]}}`;
  for (const bodies of [[deepNdarray, deepNdarray], [deepMeta, '{"data":{"ndarray":[[3]]}}']]) {
    await assert.rejects(combine(...bodies), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'INVALID_COMBINER_INPUT');
      assert.match(err.message, /^AVERAGE_COMBINER node "avg": an input is nested too deeply to average/);
      return true;
    });
  }
});
