import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines, type DeadlineOwner } from '../../../src/graph/deadlines';

/** An owner that records when (ms since `t0`) its deadline fired. */
function owner(t0: number, fired: Map<string, number>, name: string): DeadlineOwner {
  return { onDeadline: () => fired.set(name, performance.now() - t0) };
}

test('a deadline fires once, not before its duration, and about on time', async () => {
  const deadlines = new Deadlines();
  const fired = new Map<string, number>();
  const t0 = performance.now();
  deadlines.add(30, owner(t0, fired, 'a'));
  await sleep(20);
  assert.equal(fired.size, 0, 'fired before its 30 ms');
  await sleep(60);
  const at = fired.get('a');
  assert.ok(at !== undefined && at >= 30 && at < 70, `fired at ${at} ms, expected 30..70`);
  deadlines.close();
});

test('a cleared deadline never fires; the others of its list still do, in order', async () => {
  const deadlines = new Deadlines();
  const fired = new Map<string, number>();
  const order: string[] = [];
  const t0 = performance.now();
  const track = (name: string): DeadlineOwner => ({ onDeadline: () => { order.push(name); owner(t0, fired, name).onDeadline(); } });
  const first = deadlines.add(20, track('first'));
  await sleep(5);
  deadlines.add(20, track('second'));
  const middle = deadlines.add(20, track('middle'));
  await sleep(5);
  deadlines.add(20, track('last'));
  first.clear();
  middle.clear();
  middle.clear(); // twice is harmless
  await sleep(60);
  assert.deepEqual(order, ['second', 'last']);
  // The timer armed for the cleared head re-armed for the next one: each fired after its own 20 ms.
  assert.ok((fired.get('second') ?? 0) >= 25, `second at ${fired.get('second')} ms`);
  assert.ok((fired.get('last') ?? 0) >= 30, `last at ${fired.get('last')} ms`);
  deadlines.close();
});

test('durations are kept apart, and a shorter one added later fires first', async () => {
  const deadlines = new Deadlines();
  const order: string[] = [];
  const track = (name: string): DeadlineOwner => ({ onDeadline: () => order.push(name) });
  deadlines.add(60, track('long'));
  deadlines.add(10, track('short'));
  assert.deepEqual(deadlines.durations.sort((a, b) => a - b), [10, 60]);
  await sleep(100);
  assert.deepEqual(order, ['short', 'long']);
  deadlines.close();
});

test('a list is dropped once its timer finds it empty, so per-call durations leave nothing behind', async () => {
  const deadlines = new Deadlines();
  for (let ms = 5; ms < 15; ms++) deadlines.add(ms, { onDeadline: () => undefined }).clear();
  assert.equal(deadlines.durations.length, 10);
  await sleep(40);
  assert.deepEqual(deadlines.durations, []);
  // A duration used again after that gets a new list that works.
  let fired = false;
  deadlines.add(5, { onDeadline: () => { fired = true; } });
  await sleep(30);
  assert.equal(fired, true);
  deadlines.close();
});

test('an owner may add a deadline of the same duration while its own expires', async () => {
  const deadlines = new Deadlines();
  let count = 0;
  const again: DeadlineOwner = { onDeadline: () => { if (++count < 3) deadlines.add(10, again); } };
  deadlines.add(10, again);
  await sleep(100);
  assert.equal(count, 3);
  deadlines.close();
});

test('close stops every pending deadline', async () => {
  const deadlines = new Deadlines();
  let fired = false;
  deadlines.add(10, { onDeadline: () => { fired = true; } });
  deadlines.close();
  await sleep(30);
  assert.equal(fired, false);
  assert.deepEqual(deadlines.durations, []);
});
