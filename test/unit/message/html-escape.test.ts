import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlEscape } from '../../../src/message/html-escape';

test('escapes like Go json.HTMLEscape (Seldon TestMarshall)', () => {
  const input = Buffer.from('{"strData":"<div class=\\"div-class\\"></div>"}');
  assert.equal(htmlEscape(input).toString(), '{"strData":"\\u003cdiv class=\\"div-class\\"\\u003e\\u003c/div\\u003e"}');
});

test('escapes & and the line/paragraph separators, keeps other UTF-8', () => {
  const input = Buffer.from('{"a":"x&y\u2028z\u2029é€"}');
  assert.equal(htmlEscape(input).toString(), '{"a":"x\\u0026y\\u2028z\\u2029é€"}');
});

test('returns the same buffer when nothing needs escaping, whitespace kept', () => {
  const input = Buffer.from('{\n  "a" : [1, 2]\n}');
  assert.equal(htmlEscape(input), input);
});
