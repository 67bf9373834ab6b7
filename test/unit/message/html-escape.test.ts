import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlEscape, htmlEscapeChunks } from '../../../src/message/html-escape';

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

/** The byte-by-byte definition, to check the indexOf-based scanner against. */
function reference(body: Buffer): string {
  let out = '';
  const text = body.toString('utf8');
  for (const ch of text) {
    if (ch === '<') out += '\\u003c';
    else if (ch === '>') out += '\\u003e';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '\u2028') out += '\\u2028';
    else if (ch === '\u2029') out += '\\u2029';
    else out += ch;
  }
  return out;
}

test('matches the byte-by-byte definition on random mixes of escapable and other characters', () => {
  const alphabet = ['<', '>', '&', '\u2028', '\u2029', 'a', '"', '€', '\u2027', '\u202a', ' ', '1'];
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const length = random(60);
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[random(alphabet.length)];
    const body = Buffer.from(text);
    assert.equal(htmlEscape(body).toString('utf8'), reference(body), JSON.stringify(text));
  }
});

test('a large body with one escape near the end is escaped there and nowhere else', () => {
  const body = Buffer.concat([Buffer.alloc(1_000_000, 'a'), Buffer.from('<&'), Buffer.alloc(10, 'b')]);
  const out = htmlEscape(body);
  assert.equal(out.length, body.length + 10);
  assert.equal(out.subarray(1_000_000, 1_000_012).toString(), '\\u003c\\u0026');
});

test('chunked bodies: the same chunks when nothing needs escaping, else the escaped join', () => {
  const clean = [Buffer.from('{"a":'), Buffer.from('"€ b"}')];
  assert.equal(htmlEscapeChunks(clean), clean);
  const dirty = [Buffer.from('{"a":"x'), Buffer.from('<y"}')];
  assert.deepEqual(htmlEscapeChunks(dirty).map((b) => b.toString()), ['{"a":"x\\u003cy"}']);
  // U+2028 is E2 80 A8: split across chunks it is still found.
  const sep = Buffer.from('"a\u2028b"');
  for (let cut = 1; cut < sep.length; cut++) {
    const out = Buffer.concat(htmlEscapeChunks([sep.subarray(0, cut), sep.subarray(cut)])).toString();
    assert.equal(out, '"a\\u2028b"', `cut at ${cut}`);
  }
});
