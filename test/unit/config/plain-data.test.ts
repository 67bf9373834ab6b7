import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/flags';
import { checkPlainData, MAX_DOCUMENT_DEPTH } from '../../../src/config/plain-data';

function chain(nodes: number): unknown {
  let node: Record<string, unknown> = { name: 'leaf', implementation: 'SIMPLE_MODEL' };
  for (let i = 0; i < nodes; i++) node = { name: `n${i}`, implementation: 'SIMPLE_ROUTER', children: [node] };
  return { name: 'p', graph: node };
}

function refuses(value: unknown, message: RegExp): void {
  assert.throws(() => checkPlainData(value, '--file "g.yaml"'), (err: unknown) => err instanceof ConfigError && message.test(err.message));
}

test('plain JSON data passes, shared objects (YAML aliases) included, and a chain of 990 nodes', () => {
  const shared = { name: 'x', value: [1, 2, { deep: true }] };
  checkPlainData({ a: shared, b: [shared, shared], n: null, s: 's', f: 1.5, t: false }, 'doc');
  checkPlainData(chain(990), 'doc');
});

test('too deep, or a YAML alias that contains itself: refused with a short path, not a stack overflow', () => {
  refuses(chain(1_100), new RegExp(`^--file "g\\.yaml" is nested more than ${MAX_DOCUMENT_DEPTH} levels deep at graph\\.children\\[0\\]`));
  const self: Record<string, unknown> = { name: 'm' };
  self['children'] = [self];
  refuses({ graph: self }, /levels deep at graph\.children\[0\]\.children.* … .*or holds a YAML alias that contains itself$/);
  refuses({ graph: self }, /^.{0,400}$/);
});

test('values YAML tags make (bytes, sets, dates) are refused, naming the path', () => {
  refuses({ name: Buffer.from('hi') }, /not JSON data at name \(Buffer\): YAML tags such as !!binary/);
  refuses({ graph: { children: [new Set([1])] } }, /not JSON data at graph\.children\[0\] \(Set\)/);
  refuses({ when: new Date(0) }, /at when \(Date\)/);
  refuses({ big: 1n }, /at big \(bigint\)/);
  refuses({ graph: { parameters: [{ value: Number.POSITIVE_INFINITY }] } }, /at graph\.parameters\[0\]\.value \(Infinity\)/);
  refuses({ x: Number.NaN }, /at x \(NaN\)/);
});
