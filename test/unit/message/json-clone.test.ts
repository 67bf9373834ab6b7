import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson } from '../../../src/message/json-clone';

test('cloneJson: an equal value that shares no object or array with the original', () => {
  const original = JSON.parse('{"puid":"a","tags":{"x":1,"y":[true,null,"s",{"z":-0.5}]},"metrics":[{"key":"k","value":2}],"empty":{},"list":[]}') as Record<string, unknown>;
  const copy = cloneJson(original);
  assert.deepEqual(copy, original);
  const shared: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (typeof a !== 'object' || a === null) return;
    if (a === b) shared.push(path);
    for (const key of Object.keys(a)) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
  };
  walk(copy, original, 'meta');
  assert.deepEqual(shared, []);
});

test('cloneJson: primitives come back as they are', () => {
  for (const v of [null, 0, -1.5, 'text', '', true, false]) assert.equal(cloneJson(v), v);
});

test('cloneJson: a "__proto__" key JSON.parse made an own property stays an own property, the prototype untouched', () => {
  const original = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
  const copy = cloneJson(original);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
  assert.equal(JSON.stringify(copy), '{"__proto__":{"polluted":true},"a":1}');
});

test('cloneJson: nesting deeper than the stack throws RangeError (the combiner reports it as bad input)', () => {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 0; i < 200_000; i++) {
    const next: Record<string, unknown> = {};
    cur['m'] = next;
    cur = next;
  }
  // AVERAGE_COMBINER recognises it by this message (averageChecked).
  assert.throws(() => cloneJson(root), (err: unknown) => err instanceof RangeError && /call stack/i.test(err.message));
});
