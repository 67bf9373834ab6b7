import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setMetaRouting } from '../../../src/message/json-splice';

test('replaces an existing meta.routing and keeps every other byte', () => {
  const text = '{ "data" : {"ndarray":[[1.0, 2.50]]},\n  "meta": {"puid":"x", "routing": {"old": 3}, "tags":{}} , "big": 12345678901234567890}';
  const out = setMetaRouting(text, { r: 1, m: -1 });
  assert.equal(out, '{ "data" : {"ndarray":[[1.0, 2.50]]},\n  "meta": {"puid":"x", "routing": {"r":1,"m":-1}, "tags":{}} , "big": 12345678901234567890}');
});

test('inserts routing into an existing meta object, empty or not', () => {
  assert.equal(setMetaRouting('{"meta":{}}', { a: 0 }), '{"meta":{"routing":{"a":0}}}');
  assert.equal(setMetaRouting('{"meta":{ "puid":"p"}}', { a: 0 }), '{"meta":{"routing":{"a":0}, "puid":"p"}}');
});

test('creates meta when absent or null', () => {
  assert.equal(setMetaRouting('{"data":{"x":"}{\\""}}', { a: -2 }), '{"meta":{"routing":{"a":-2}},"data":{"x":"}{\\""}}');
  assert.equal(setMetaRouting('{}', { a: 1 }), '{"meta":{"routing":{"a":1}}}');
  assert.equal(setMetaRouting('{"meta":null,"z":1}', { a: 1 }), '{"meta":{"routing":{"a":1}},"z":1}');
});

test('uses the last of duplicate keys, as JSON.parse does', () => {
  const out = setMetaRouting('{"meta":{"routing":1},"meta":{"routing":2}}', { a: 1 });
  assert.equal(out, '{"meta":{"routing":1},"meta":{"routing":{"a":1}}}');
  assert.deepEqual(JSON.parse(out ?? ''), { meta: { routing: { a: 1 } } });
});

test('leaves non-objects and odd meta alone', () => {
  assert.equal(setMetaRouting('[1,2]', { a: 1 }), undefined);
  assert.equal(setMetaRouting('not json', { a: 1 }), undefined);
  assert.equal(setMetaRouting('{"meta":"str"}', { a: 1 }), undefined);
});

test('keys with escapes and strings with braces do not confuse the scan', () => {
  const text = '{"a\\"meta":{"routing":9},"s":"{\\"meta\\":1}","meta":{"k":[{"routing":7}]}}';
  const out = setMetaRouting(text, { n: 0 });
  assert.equal(out, '{"a\\"meta":{"routing":9},"s":"{\\"meta\\":1}","meta":{"routing":{"n":0},"k":[{"routing":7}]}}');
});
