import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Payload } from '../../../src/message/payload';

const FORM = 'application/x-www-form-urlencoded';

test('json() reads JSON text, whatever the chunks it arrived in', () => {
  const text = '{"data":{"ndarray":[[1,2]]}}';
  const whole = new Payload(Buffer.from(text), 'application/json');
  const split = new Payload([Buffer.from(text.slice(0, 7)), Buffer.from(text.slice(7))], 'application/json');
  assert.deepEqual(whole.json(), { data: { ndarray: [[1, 2]] } });
  assert.deepEqual(split.json(), whole.json());
});

test('a form body is read from its json field, else as a whole (as Seldon\'s Python wrapper does)', () => {
  const field = new Payload(Buffer.from(`json=${encodeURIComponent('{"strData":"a&b"}')}&other=1`), FORM);
  assert.deepEqual(field.json(), { strData: 'a&b' });
  // `curl -d '{...}'` sends JSON with the form content type.
  const raw = new Payload(Buffer.from('{"data":{"ndarray":[[1,2]]}}'), FORM);
  assert.deepEqual(raw.json(), { data: { ndarray: [[1, 2]] } });
});

test('a body that does not parse is BAD_REQUEST_JSON naming what was read', () => {
  for (const [body, type] of [['{"data":', 'application/json'], ['garbage', FORM], [`json=${encodeURIComponent('{oops')}`, FORM]] as const) {
    assert.throws(() => new Payload(Buffer.from(body), type).json('input 1'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BAD_REQUEST_JSON');
      assert.match(err.message, /^input 1 is not valid JSON: /);
      return true;
    });
  }
});

test('a gzip-encoded body is decoded before it is parsed; an unknown encoding is UNSUPPORTED_MEDIA_TYPE', () => {
  const zipped = new Payload(gzipSync('{"strData":"z"}'), 'application/json', 'gzip');
  assert.deepEqual(zipped.json(), { strData: 'z' });
  assert.throws(() => new Payload(Buffer.from('x'), 'application/json', 'zstd').json(), (err: Error & { code?: string }) => err.code === 'UNSUPPORTED_MEDIA_TYPE');
});
