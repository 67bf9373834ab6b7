import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cancel } from '../../../src/graph/cancel';

test('abort runs every listener once, in order, with the first reason', () => {
  const cancel = new Cancel();
  const seen: string[] = [];
  cancel.onAbort((r) => seen.push(`a:${String(r)}`));
  cancel.onAbort((r) => seen.push(`b:${String(r)}`));
  cancel.abort('first');
  cancel.abort('second');
  assert.deepEqual(seen, ['a:first', 'b:first']);
  assert.equal(cancel.aborted, true);
  assert.equal(cancel.reason, 'first');
});

test('a removed listener is not called; the others still are', () => {
  const cancel = new Cancel();
  const seen: string[] = [];
  const offA = cancel.onAbort(() => seen.push('a'));
  cancel.onAbort(() => seen.push('b'));
  offA();
  offA(); // removing twice is harmless
  cancel.abort(new Error('x'));
  assert.deepEqual(seen, ['b']);
});

test('a listener added after the abort runs at once', () => {
  const cancel = new Cancel();
  cancel.abort('gone');
  let got: unknown;
  cancel.onAbort((r) => { got = r; })();
  assert.equal(got, 'gone');
});

test('linkedTo follows its parent but can abort alone; unlink stops following', () => {
  const parent = new Cancel();
  const a = Cancel.linkedTo(parent);
  const b = Cancel.linkedTo(parent);
  a.cancel.abort('sibling failed');
  assert.equal(parent.aborted, false);
  b.unlink();
  parent.abort('client left');
  assert.equal(a.cancel.reason, 'sibling failed');
  assert.equal(b.cancel.aborted, false);
  const c = Cancel.linkedTo(parent);
  assert.equal(c.cancel.reason, 'client left');
});
