import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { EngineError } from '../../../src/errors';
import { Payload } from '../../../src/message/payload';
import { routeFromResponse } from '../../../src/message/route-response';
import { loadSeldonCodec } from '../../../src/protocols/seldon/proto-codec';
import { join } from 'node:path';

const reply = (body: string, contentType = 'application/json', encoding = ''): Payload => new Payload(Buffer.from(body), contentType, encoding);
const route = (body: string): number => routeFromResponse(reply(body), 'my-router');

/** Asserts CHILD_BAD_RESPONSE naming the router and matching `pattern`; returns the message. */
function rejects(body: string | Payload, pattern: RegExp): string {
  let message = '';
  assert.throws(
    () => routeFromResponse(typeof body === 'string' ? reply(body) : body, 'my-router'),
    (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'CHILD_BAD_RESPONSE');
      assert.match(err.message, /^router "my-router" answered /);
      assert.match(err.message, pattern);
      message = err.message;
      return true;
    },
  );
  return message;
}

test('data.ndarray: first element, or first item of the first row', () => {
  assert.equal(route('{"data":{"ndarray":[[1]]}}'), 1);
  assert.equal(route('{"data":{"ndarray":[2]}}'), 2);
  assert.equal(route('{"data":{"ndarray":[3,4]}}'), 3);
  assert.equal(route('{"data":{"ndarray":[[1,2],[3,4]]}}'), 1);
  assert.equal(route('{"data":{"names":["r"],"ndarray":[[0]]},"meta":{"tags":{"a":1}}}'), 0);
  assert.equal(route('{"data":{"ndarray":[-1]}}'), -1);
  assert.equal(route('{"data":{"ndarray":[[-2]]}}'), -2);
});

test('data.tensor.values[0] and data.tftensor.int_val[0]', () => {
  assert.equal(route('{"data":{"tensor":{"shape":[1,1],"values":[1]}}}'), 1);
  assert.equal(route('{"data":{"tensor":{"values":[2,0]}}}'), 2);
  assert.equal(route('{"data":{"tftensor":{"dtype":"DT_INT32","int_val":[1]}}}'), 1);
  assert.equal(route('{"data":{"tftensor":{"intVal":["3"]}}}'), 3);
  assert.equal(route('{"data":{"tftensor":{"int_val":[" -1 "]}}}'), -1);
});

test('non-integers are truncated toward zero', () => {
  assert.equal(route('{"data":{"ndarray":[[1.9]]}}'), 1);
  assert.equal(route('{"data":{"tensor":{"values":[2.5]}}}'), 2);
  assert.equal(route('[1.7]'), 1);
  assert.equal(route('{"data":{"ndarray":[-1.5]}}'), -1);
  assert.ok(Object.is(route('{"data":{"ndarray":[-0.5]}}'), 0), 'never -0');
});

test('a bare JSON list of numbers', () => {
  assert.equal(route('[1]'), 1);
  assert.equal(route('[1,2]'), 1);
  assert.equal(route(' [0] '), 0);
});

test('a SeldonMessage without route data means all children (-1)', () => {
  assert.equal(route('{"strData":"hello"}'), -1);
  assert.equal(route('{"jsonData":{"route":1}}'), -1);
  assert.equal(route('{"meta":{}}'), -1);
  assert.equal(route('{}'), -1);
  assert.equal(route('{"data":{}}'), -1);
  assert.equal(route('{"data":{"names":["a"]}}'), -1);
});

test('a body that is not JSON', () => {
  const message = rejects('route: 1', /a body that is not JSON/);
  assert.ok(message.endsWith(': "route: 1"'), message);
  rejects(reply('\u001f\u008b', 'application/json', 'gzip'), /not JSON \(.*could not be decoded from gzip/);
});

test('a gzip-encoded route answer is decoded', () => {
  assert.equal(routeFromResponse(new Payload(gzipSync('{"data":{"ndarray":[[1]]}}'), 'application/json', 'gzip'), 'my-router'), 1);
});

test('empty lists', () => {
  rejects('[]', /answered an empty list/);
  rejects('{"data":{"ndarray":[]}}', /an empty data\.ndarray/);
  rejects('{"data":{"ndarray":[[]]}}', /first row is empty/);
  rejects('{"data":{"tensor":{"shape":[0],"values":[]}}}', /data\.tensor without values/);
  rejects('{"data":{"tensor":{"shape":[0]}}}', /data\.tensor without values/);
  rejects('{"data":{"tftensor":{"float_val":[1]}}}', /data\.tftensor without int_val/);
});

test('non-numeric elements', () => {
  rejects('["1"]', /a list whose element 0 is "1", not a number/);
  rejects('[1,"x"]', /a list whose element 1 is "x", not a number/);
  rejects('{"data":{"ndarray":["a"]}}', /data\.ndarray whose first value is "a", not a number/);
  rejects('{"data":{"ndarray":[[[1]]]}}', /first value is a list of 1, not a number/);
  rejects('{"data":{"ndarray":[null]}}', /first value is null/);
  rejects('{"data":{"tensor":{"values":[true]}}}', /data\.tensor\.values whose first value is true/);
  rejects('{"data":{"tftensor":{"int_val":["1.5"]}}}', /int_val whose first value is "1\.5", not an integer/);
  rejects('{"data":{"ndarray":"1"}}', /data\.ndarray that is "1", not a list/);
});

test('any other JSON', () => {
  rejects('1', /answered 1, not a SeldonMessage or a list of routes/);
  rejects('"0"', /answered "0", not a SeldonMessage/);
  rejects('null', /answered null, not a SeldonMessage/);
  rejects('{"route":1}', /field "route", which a SeldonMessage does not have/);
  rejects('{"data":{"route":1}}', /data with field "route"/);
  rejects('{"data":[1]}', /data that is a list of 1, not an object/);
});

test('the body is quoted, at most 100 characters', () => {
  const long = `{"x":"${'a'.repeat(500)}"}`;
  const message = rejects(long, /field "x"/);
  const quoted = message.slice(message.indexOf(': "') + 2);
  assert.equal(quoted, `${JSON.stringify(long.slice(0, 100))}...`);
});

test('a gRPC router\'s bad answer is quoted as its JSON, not as protobuf bytes', () => {
  const codec = loadSeldonCodec(join(__dirname, '..', '..', '..', '..', 'protos'));
  const proto = Payload.fromProto(codec.toProto('SeldonMessage', { data: { tensor: { shape: [0] } } }), 'SeldonMessage', codec);
  const message = rejects(proto, /data\.tensor without values/);
  assert.ok(message.endsWith(`: ${JSON.stringify(JSON.stringify(proto.json()))}`), message);
  assert.doesNotMatch(message, /\\u00/);
});
