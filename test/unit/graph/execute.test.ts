import { Cancel } from '../../../src/graph/cancel';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFeedbackRouting, compilePlan, parsePredictorSpec, predict, sendFeedback, type CallContext, type NodeSpec, type Unit } from '../../../src/graph';
import { EngineError, engineError } from '../../../src/errors';
import { Payload } from '../../../src/message/payload';
import { registerBuiltins, UnitRegistry } from '../../../src/units';

/**
 * The graph walk with in-process units standing in for child servers: each remote node appends its
 * name to the message, so the output shows the exact path the walk took.
 */
const builtins = registerBuiltins(new UnitRegistry());

interface Script { route?: number; fail?: boolean; delayMs?: number }

function build(graph: unknown, scripts: Record<string, Script> = {}, seen: string[] = []) {
  const spec = parsePredictorSpec({ name: 'p', graph }, {
    isBuiltin: (n) => builtins.get(n) !== undefined,
    checkBuiltin: (node) => builtins.get(node.implementation)?.check(node),
  });
  const step = (node: NodeSpec, label: string) => async (msg: Payload, ctx: CallContext): Promise<Payload> => {
    const s = scripts[node.name] ?? {};
    seen.push(`${node.name}:${label}`);
    if (s.delayMs !== undefined) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, s.delayMs);
        ctx.signal.onAbort(() => { clearTimeout(t); seen.push(`${node.name}:aborted`); reject(engineError('CLIENT_CLOSED', 'aborted')); });
      });
    }
    if (s.fail === true) throw engineError('CHILD_UNREACHABLE', `${node.name} failed`);
    return Payload.fromJson({ path: [...(msg.json() as { path: string[] }).path, `${node.name}:${label}`] });
  };
  const plan = compilePlan(spec, {
    builtin: (node) => builtins.get(node.implementation)?.create(node, { random: () => 0.5 }),
    remote: (node, steps) => {
      const unit: Unit = {};
      if (steps.has('predict')) unit.transformInput = step(node, 'predict');
      if (steps.has('transform-input')) unit.transformInput = step(node, 'transform-input');
      if (steps.has('transform-output')) unit.transformOutput = step(node, 'transform-output');
      if (steps.has('route')) unit.route = async () => { seen.push(`${node.name}:route`); return scripts[node.name]?.route ?? -1; };
      if (steps.has('aggregate')) unit.aggregate = async (msgs) => Payload.fromJson({ path: msgs.map((m) => (m.json() as { path: string[] }).path.join('>')) });
      if (steps.has('send-feedback')) unit.sendFeedback = async (fb) => { seen.push(`${node.name}:feedback`); return fb; };
      return unit;
    },
  });
  return { plan, seen };
}

const ep = { service_host: 'h', httpPort: 1 };
const ctx = (): CallContext => ({ puid: 'p', headers: {}, signal: new Cancel(), routing: new Map() });
const input = (): Payload => Payload.fromJson({ path: [] });

test('transform-input, children, transform-output run in order; routing records -1', async () => {
  const { plan } = build({ name: 'out', type: 'OUTPUT_TRANSFORMER', endpoint: ep, children: [
    { name: 'in', type: 'TRANSFORMER', endpoint: ep, children: [{ name: 'model', type: 'MODEL', endpoint: ep }] },
  ] });
  const c = ctx();
  const out = await predict(plan.root, input(), c);
  assert.deepEqual(out.json(), { path: ['in:transform-input', 'model:predict', 'out:transform-output'] });
  assert.deepEqual(Object.fromEntries(c.routing), { out: -1, in: -1, model: -1 });
});

test('a router picks one child; -2 returns its input; out of range is INVALID_ROUTING naming the router', async () => {
  const graph = { name: 'r', type: 'ROUTER', endpoint: ep, children: [{ name: 'a', type: 'MODEL', endpoint: ep }, { name: 'b', type: 'MODEL', endpoint: ep }] };
  assert.deepEqual((await predict(build(graph, { r: { route: 1 } }).plan.root, input(), ctx())).json(), { path: ['b:predict'] });
  assert.deepEqual((await predict(build(graph, { r: { route: -2 } }).plan.root, input(), ctx())).json(), { path: [] });
  await assert.rejects(predict(build(graph, { r: { route: 5 } }).plan.root, input(), ctx()), (err: unknown) =>
    err instanceof EngineError && err.code === 'INVALID_ROUTING' && /router "r" answered route 5, but it has 2 children/.test(err.message));
  await assert.rejects(predict(build(graph, { r: { route: -3 } }).plan.root, input(), ctx()), /route -3/);
});

test('fan-out calls every child; without a combiner the first output is kept; a combiner sees all', async () => {
  const kids = [{ name: 'a', type: 'MODEL', endpoint: ep }, { name: 'b', type: 'MODEL', endpoint: ep }];
  const { plan, seen } = build({ name: 'm', type: 'MODEL', endpoint: ep, children: kids });
  assert.deepEqual((await predict(plan.root, input(), ctx())).json(), { path: ['m:predict', 'a:predict'] });
  assert.deepEqual([...seen].sort(), ['a:predict', 'b:predict', 'm:predict']);
  const comb = build({ name: 'c', type: 'COMBINER', endpoint: ep, children: kids }).plan;
  assert.deepEqual((await predict(comb.root, input(), ctx())).json(), { path: ['a:predict', 'b:predict'] });
});

test('a failing child aborts its running siblings and its error is the one reported', async () => {
  const { plan, seen } = build({ name: 'c', type: 'COMBINER', endpoint: ep, children: [
    { name: 'slow', type: 'MODEL', endpoint: ep }, { name: 'bad', type: 'MODEL', endpoint: ep },
  ] }, { slow: { delayMs: 5000 }, bad: { fail: true } });
  const started = Date.now();
  await assert.rejects(predict(plan.root, input(), ctx()), /bad failed/);
  assert.ok(Date.now() - started < 1000);
  assert.ok(seen.includes('slow:aborted'));
});

test('built-ins: RANDOM_ABTEST and SIMPLE_ROUTER route, AVERAGE_COMBINER averages SIMPLE_MODELs', async () => {
  const { plan } = build({ name: 'ab', implementation: 'RANDOM_ABTEST', parameters: [{ name: 'ratioA', value: '0.6', type: 'FLOAT' }], children: [
    { name: 'a', type: 'MODEL', endpoint: ep }, { name: 'b', type: 'MODEL', endpoint: ep },
  ] });
  const c = ctx();
  assert.deepEqual((await predict(plan.root, input(), c)).json(), { path: ['a:predict'] }); // random 0.5 < 0.6
  assert.equal(c.routing.get('ab'), 0);
  const avg = build({ name: 'avg', implementation: 'AVERAGE_COMBINER', children: [{ name: 's1', implementation: 'SIMPLE_MODEL' }, { name: 's2', implementation: 'SIMPLE_MODEL' }] }).plan;
  const out = (await predict(avg.root, input(), ctx())).json() as { data: unknown };
  assert.deepEqual(out.data, { names: ['class0', 'class1', 'class2'], tensor: { shape: [1, 3], values: [0.1, 0.9, 0.5] } });
});

test('feedback follows routing to the chosen child and the router; bad routing is refused before any call', async () => {
  const graph = { name: 'r', type: 'ROUTER', endpoint: ep, children: [{ name: 'a', type: 'MODEL', endpoint: ep }, { name: 'b', type: 'MODEL', endpoint: ep }] };
  const { plan, seen } = build(graph);
  const fb = Payload.fromJson({ reward: 1 });
  const answer = await sendFeedback(plan.root, fb, new Map([['r', 1]]), ctx());
  assert.equal(answer, fb);
  assert.deepEqual(seen, ['b:feedback', 'r:feedback']);
  seen.length = 0;
  await sendFeedback(plan.root, fb, new Map(), ctx());
  assert.deepEqual([...seen].sort(), ['a:feedback', 'b:feedback', 'r:feedback']);
  assert.throws(() => checkFeedbackRouting(plan.root, new Map([['r', 2]])), (err: unknown) => err instanceof EngineError && err.code === 'BAD_FEEDBACK_ROUTING');
  assert.doesNotThrow(() => checkFeedbackRouting(plan.root, new Map([['r', -2]])));
});
