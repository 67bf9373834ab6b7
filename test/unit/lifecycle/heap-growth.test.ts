import { test } from 'node:test';
import assert from 'node:assert/strict';
import { growingPercent, LARGE_EXTERNAL_BYTES, TIGHT_PERCENT } from '../../../src/lifecycle/heap-growth';

const MB = 1024 * 1024;

test('small external memory keeps the tight growth, whatever the heap', () => {
  assert.equal(growingPercent(0, 8 * MB), TIGHT_PERCENT);
  assert.equal(growingPercent(LARGE_EXTERNAL_BYTES - 1, 8 * MB), TIGHT_PERCENT);
  assert.equal(growingPercent(4 * MB, 200 * MB), TIGHT_PERCENT);
});

test('large bodies in flight: a limit twice the external memory above the heap, in steps of 50', () => {
  // 40 MB in flight over an 8 MB heap: room 80 MB = 1,000 % of 8 MB.
  assert.equal(growingPercent(40 * MB, 8 * MB), 1_000);
  // 20 MB over a 10 MB heap: 400 %.
  assert.equal(growingPercent(20 * MB, 10 * MB), 400);
  // 17 MB over 10 MB: 340 % rounds up to 350.
  assert.equal(growingPercent(17 * MB, 10 * MB), 350);
  // The limit follows the external memory: more in flight, more room.
  assert.ok(growingPercent(30 * MB, 20 * MB) > growingPercent(20 * MB, 20 * MB));
});

test('bounded: at least 100 % and at most 1,000 %, and a tiny heap does not divide by ~0', () => {
  assert.equal(growingPercent(LARGE_EXTERNAL_BYTES, 500 * MB), 100);
  assert.equal(growingPercent(400 * MB, 8 * MB), 1_000);
  assert.equal(growingPercent(20 * MB, 0), 1_000);
});
