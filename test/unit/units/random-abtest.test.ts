import { Cancel } from '../../../src/graph/cancel';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec, Parameter } from '../../../src/graph/spec';
import type { CallContext } from '../../../src/graph/unit';
import { Payload } from '../../../src/message/payload';
import { randomAbTest } from '../../../src/units/builtin/random-abtest';

function node(parameters: Parameter[] = [], children = 2): NodeSpec {
  const leaf = (name: string): NodeSpec => ({
    name, type: 'MODEL', implementation: 'SIMPLE_MODEL', methods: [], endpoint: undefined, parameters: [], logger: undefined, children: [],
  });
  return {
    name: 'ab',
    type: 'UNKNOWN_TYPE',
    implementation: 'RANDOM_ABTEST',
    methods: [],
    endpoint: undefined,
    parameters,
    logger: undefined,
    children: Array.from({ length: children }, (_, i) => leaf(`c${i}`)),
  };
}

const ratio = (value: number | string, type: Parameter['type'] = 'FLOAT'): Parameter => ({ name: 'ratioA', type, value });
const ctx: CallContext = { puid: 'p', headers: {}, signal: new Cancel(), routing: new Map() };
const msg = Payload.fromJson({ data: { ndarray: [[1]] } });

/** Routes chosen for each random draw. */
async function routes(spec: NodeSpec, draws: number[]): Promise<number[]> {
  assert.deepEqual(randomAbTest.check(spec), []);
  let next = 0;
  const unit = randomAbTest.create(spec, { random: () => draws[next++] ?? assert.fail('too many draws') });
  assert.ok(unit.route);
  const out: number[] = [];
  for (let i = 0; i < draws.length; i++) out.push(await unit.route(msg, ctx));
  assert.equal(next, draws.length, 'one draw per request');
  return out;
}

const DRAWS = [0, 0.1, 0.29, 0.3, 0.31, 0.5, 0.7, 0.999999];

test('ratioA 0 always picks child 1, ratioA 1 always child 0', async () => {
  assert.deepEqual(await routes(node([ratio(0)]), DRAWS), DRAWS.map(() => 1));
  assert.deepEqual(await routes(node([ratio(1, 'INT')]), DRAWS), DRAWS.map(() => 0));
});

test('ratioA 0.3: random below it picks 0, at or above it picks 1', async () => {
  assert.deepEqual(await routes(node([ratio(0.3)]), [0.29, 0.31, 0.3, 0]), [0, 1, 1, 0]);
  assert.deepEqual(await routes(node([ratio(0.3, 'DOUBLE')]), [0.29, 0.31]), [0, 1]);
  assert.deepEqual(await routes(node([ratio(' 0.3 ', 'STRING')]), [0.29, 0.31]), [0, 1]);
});

test('ratioA defaults to 0.5', async () => {
  assert.deepEqual(await routes(node(), [0.49, 0.5, 0.51]), [0, 1, 1]);
});

test('other parameters are ignored, ratioA still honoured', async () => {
  const other: Parameter = { name: 'seed', type: 'INT', value: 7 };
  assert.deepEqual(await routes(node([other, ratio(0.9)]), [0.8, 0.95]), [0, 1]);
  assert.deepEqual(await routes(node([other]), [0.49, 0.51]), [0, 1]);
});

test('check: exactly two children', () => {
  for (const n of [0, 1, 3]) {
    const problems = randomAbTest.check(node([], n));
    assert.equal(problems.length, 1, `${n} children`);
    assert.match(problems[0] ?? '', new RegExp(`exactly 2 children, it has ${n}`));
  }
});

test('check: ratioA must be a number between 0 and 1', () => {
  const problem = (p: Parameter): string => {
    const problems = randomAbTest.check(node([p]));
    assert.equal(problems.length, 1, JSON.stringify(p));
    return problems[0] ?? '';
  };
  assert.match(problem(ratio('abc', 'STRING')), /ratioA is "abc", which is not a number/);
  assert.match(problem(ratio('', 'STRING')), /not a number/);
  assert.match(problem(ratio(-0.1)), /ratioA is -0.1; it must be between 0 and 1/);
  assert.match(problem(ratio(1.5)), /ratioA is 1.5; it must be between 0 and 1/);
  assert.match(problem(ratio('1.5', 'STRING')), /between 0 and 1/);
  assert.match(problem(ratio(Infinity)), /not a number/);
  assert.match(problem({ name: 'ratioA', type: 'BOOL', value: true }), /type BOOL/);
  const twice = randomAbTest.check(node([ratio(0.1), ratio(0.2)]));
  assert.deepEqual(twice, ['parameter ratioA is given 2 times.']);
  assert.equal(randomAbTest.check(node([ratio(2)], 3)).length, 2, 'children and ratioA both reported');
});

test('create refuses a node that failed check', () => {
  assert.throws(() => randomAbTest.create(node([ratio(2)]), { random: Math.random }), /failed check/);
});
