import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineError } from '../../../src/errors';
import { loadSeldonCodec, type SeldonMessageType } from '../../../src/protocols/seldon/proto-codec';

const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonCodec(PROTO_DIR);

/** Asserts toProto rejects `json` with BAD_REQUEST_JSON and exactly this message. */
function rejects(type: SeldonMessageType, json: unknown, message: string): void {
  assert.throws(
    () => codec.toProto(type, json),
    (err: unknown) => {
      assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
      assert.equal(err.code, 'BAD_REQUEST_JSON');
      assert.equal(err.message, message);
      return true;
    },
  );
}

test('unknown fields are rejected with their JSON path', () => {
  rejects('SeldonMessage', { foo: 1 }, 'invalid SeldonMessage JSON at foo: unknown field "foo" in SeldonMessage');
  rejects('SeldonMessage', { meta: { puid: 'x', routes: {} } }, 'invalid SeldonMessage JSON at meta.routes: unknown field "routes" in Meta');
  rejects('SeldonMessage', { data: { tftensor: { tensorShape: { dim: [{ size: 1 }, { sise: 2 }] } } } }, 'invalid SeldonMessage JSON at data.tftensor.tensorShape.dim[1].sise: unknown field "sise" in Dim');
  rejects('SeldonMessageList', { seldonMessages: [{}, { data: { values: [] } }] }, 'invalid SeldonMessageList JSON at seldonMessages[1].data.values: unknown field "values" in DefaultData');
  rejects('Feedback', { request: {}, rewards: 1 }, 'invalid Feedback JSON at rewards: unknown field "rewards" in Feedback');
  rejects('SeldonMessage', { dataOneof: 'data' }, 'invalid SeldonMessage JSON at dataOneof: unknown field "dataOneof" in SeldonMessage');
});

test('wrong JSON types are rejected with their path', () => {
  rejects('SeldonMessage', { data: { ndarray: 'x' } }, 'invalid SeldonMessage JSON at data.ndarray: expected an array, got a string');
  rejects('SeldonMessage', { data: { tensor: { values: [1, 'x'] } } }, 'invalid SeldonMessage JSON at data.tensor.values[1]: expected a number, got a string');
  rejects('SeldonMessage', { data: { tensor: { shape: [1.5] } } }, 'invalid SeldonMessage JSON at data.tensor.shape[0]: expected an int32, got the number 1.5');
  rejects('SeldonMessage', { data: { names: 'a' } }, 'invalid SeldonMessage JSON at data.names: expected an array, got a string');
  rejects('SeldonMessage', { data: { names: ['a', null] } }, 'invalid SeldonMessage JSON at data.names[1]: null is not allowed in a list');
  rejects('SeldonMessage', { strData: 5 }, 'invalid SeldonMessage JSON at strData: expected a string, got the number 5');
  rejects('SeldonMessage', { meta: [] }, 'invalid SeldonMessage JSON at meta: expected an object, got an array');
  rejects('SeldonMessage', { meta: { routing: { r: 'one' } } }, 'invalid SeldonMessage JSON at meta.routing.r: expected an int32, got a string');
  rejects('SeldonMessage', { meta: { routing: { r: null } } }, 'invalid SeldonMessage JSON at meta.routing.r: null is not allowed as a map value');
  rejects('SeldonMessage', { meta: { tags: [] } }, 'invalid SeldonMessage JSON at meta.tags: expected an object, got an array');
  rejects('SeldonMessage', { status: { code: 2 ** 31 } }, 'invalid SeldonMessage JSON at status.code: 2147483648 is out of range for an int32');
  rejects('SeldonMessage', { status: { status: 'BROKEN' } }, 'invalid SeldonMessage JSON at status.status: "BROKEN" is not a value of enum StatusFlag');
  rejects('SeldonMessage', { status: { status: true } }, 'invalid SeldonMessage JSON at status.status: expected an StatusFlag name or number, got true');
  rejects('Feedback', { reward: 1e39 }, 'invalid Feedback JSON at reward: 1e+39 is out of range for a float');
  rejects('SeldonMessage', { binData: 'A$==' }, 'invalid SeldonMessage JSON at binData: expected a base64 string, got invalid base64');
  rejects('SeldonMessage', { binData: 'AAAAA' }, 'invalid SeldonMessage JSON at binData: expected a base64 string, got invalid base64');
  rejects('SeldonModelMetadata', { inputs: [{ shape: [1.5] }] }, 'invalid SeldonModelMetadata JSON at inputs[0].shape[0]: expected an int64 (number or decimal string), got the number 1.5');
  rejects('SeldonModelMetadata', { inputs: [{ shape: ['9223372036854775808'] }] }, 'invalid SeldonModelMetadata JSON at inputs[0].shape[0]: 9223372036854775808 is out of range for an int64');
  rejects('SeldonMessage', { data: { tftensor: { uint64Val: [-1] } } }, 'invalid SeldonMessage JSON at data.tftensor.uint64Val[0]: -1 is out of range for a uint64');
});

test('the root must be a JSON object', () => {
  rejects('SeldonMessage', [], 'invalid SeldonMessage JSON: expected an object, got an array');
  rejects('SeldonMessage', null, 'invalid SeldonMessage JSON: expected an object, got null');
  rejects('Feedback', 'x', 'invalid Feedback JSON: expected an object, got a string');
});

test('two members of one oneof are rejected', () => {
  rejects('SeldonMessage', { data: { ndarray: [1] }, strData: 'x' }, 'invalid SeldonMessage JSON at strData: "data" and "strData" are both set, but only one member of oneof dataOneof may be');
  rejects('SeldonMessage', { data: { tensor: {}, ndarray: [] } }, 'invalid SeldonMessage JSON at data.ndarray: "tensor" and "ndarray" are both set, but only one member of oneof dataOneof may be');
  rejects('SeldonMessage', { jsonData: null, binData: '' }, 'invalid SeldonMessage JSON at binData: "jsonData" and "binData" are both set, but only one member of oneof dataOneof may be');
  // A null member is "not set", so it does not collide.
  assert.deepEqual(codec.toJson('SeldonMessage', codec.toProto('SeldonMessage', { data: null, strData: 'x' })), { strData: 'x' });
});

test('one field spelled both ways (proto name and JSON name) is rejected', () => {
  rejects('SeldonMessage', { data: { tftensor: { int_val: [1], intVal: [2] } } }, 'invalid SeldonMessage JSON at data.tftensor.intVal: field intVal is set twice');
});

test('values inside Value/ListValue/Struct must be JSON', () => {
  rejects('SeldonMessage', { meta: { tags: { x: [1, [2, undefined]] } } }, 'invalid SeldonMessage JSON at meta.tags.x[1][1]: undefined is not a JSON value');
  rejects('SeldonMessage', { data: { ndarray: [[1, NaN]] } }, 'invalid SeldonMessage JSON at data.ndarray[0][1]: NaN is not a JSON number');
  rejects('SeldonMessage', { jsonData: { when: new Date(0) } }, 'invalid SeldonMessage JSON at jsonData.when: not a plain JSON object');
  let deep: unknown = [1];
  for (let i = 0; i < 80; i++) deep = [deep];
  assert.throws(() => codec.toProto('SeldonMessage', { data: { ndarray: deep } }), (err: unknown) => err instanceof EngineError && err.code === 'BAD_REQUEST_JSON' && /^invalid SeldonMessage JSON at data\.ndarray(\[0\])+: nested/.test(err.message));
});

test('Any needs "@type"; unknown types accept only a base64 "value"', () => {
  rejects('SeldonMessage', { customData: { value: 'AA==' } }, 'invalid SeldonMessage JSON at customData: an Any needs "@type"');
  rejects('SeldonMessage', { customData: { '@type': 'a/acme.X', value: 'AA==', extra: 1 } }, 'invalid SeldonMessage JSON at customData.extra: unknown field "extra": type "a/acme.X" is not loaded, so only "value" (base64) may accompany "@type"');
  rejects('SeldonMessage', { customData: { '@type': 'a/seldon.protos.Tensor', valuez: [1] } }, 'invalid SeldonMessage JSON at customData.valuez: unknown field "valuez" in Tensor');
  rejects('SeldonMessage', { customData: { '@type': 'a/google.protobuf.Struct' } }, 'invalid SeldonMessage JSON at customData: an Any holding Struct needs "value"');
  rejects('SeldonMessage', { customData: { '@type': 'a/google.protobuf.Struct', value: [] } }, 'invalid SeldonMessage JSON at customData.value: expected an object, got an array');
});

test('malformed protobuf bytes are rejected with BAD_REQUEST_PROTOBUF', () => {
  const good = codec.toProto('SeldonMessage', { data: { names: ['a'], ndarray: [[1, 2]] }, meta: { puid: 'p' } });
  const bad: Array<[string, Uint8Array]> = [
    ['truncated', good.subarray(0, good.length - 3)],
    ['length past the end', Buffer.from([0x1a, 0x10, 0x01])],
    ['wire type 7', Buffer.from([0x0f])],
    ['field number 0', Buffer.from([0x02, 0x00])],
    ['invalid UTF-8 in a string', Buffer.from([0x2a, 0x02, 0xc3, 0x28])],
    ['broken Value inside ndarray', Buffer.from([0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x05, 0x11])],
  ];
  for (const [what, bytes] of bad) {
    assert.throws(
      () => codec.toJson('SeldonMessage', bytes),
      (err: unknown) => err instanceof EngineError && err.code === 'BAD_REQUEST_PROTOBUF' && err.message.startsWith('malformed SeldonMessage protobuf: '),
      what,
    );
  }
});

test('random corruption of valid bytes never escapes as anything but BAD_REQUEST_PROTOBUF', () => {
  const samples = [
    codec.toProto('SeldonMessage', { data: { names: ['a'], ndarray: [[1, 'x', null, { k: true }]] }, meta: { tags: { t: [1] }, routing: { r: 1 } } }),
    codec.toProto('SeldonMessage', { data: { tftensor: { dtype: 'DT_INT64', int64Val: [1, '-7'], tensorShape: { dim: [{ size: 2 }] } } } }),
    codec.toProto('Feedback', { request: { strData: 'r' }, response: { customData: { '@type': 'x/seldon.protos.Status', code: 3 } }, reward: 0.5 }),
  ];
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 20000; i++) {
    const bytes = Buffer.from(samples[i % samples.length] ?? []);
    for (let k = 0; k <= i % 3; k++) bytes[rand(bytes.length)] = rand(256);
    try {
      codec.toJson(i % 3 === 2 ? 'Feedback' : 'SeldonMessage', bytes);
    } catch (err) {
      assert.ok(err instanceof EngineError && err.code === 'BAD_REQUEST_PROTOBUF', `case ${i}: ${String(err)}`);
    }
  }
});

test('loading from a folder without the protos fails loudly', () => {
  assert.throws(() => loadSeldonCodec(join(PROTO_DIR, 'missing')), /ENOENT|no such file/);
});

test('a lone UTF-16 surrogate anywhere a string goes is refused with its path (UTF-8 cannot carry it)', () => {
  const lone = 'a\ud800b';
  const why = 'the string has a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text and has no UTF-8 form';
  rejects('SeldonMessage', { strData: lone }, `invalid SeldonMessage JSON at strData: ${why}`);
  rejects('SeldonMessage', { data: { names: ['x', lone], ndarray: [[1, 2]] } }, `invalid SeldonMessage JSON at data.names[1]: ${why}`);
  rejects('SeldonMessage', { meta: { tags: { [lone]: 1 } } }, `invalid SeldonMessage JSON at meta.tags.${lone}: map key: ${why}`);
  rejects('SeldonMessage', { meta: { tags: { t: { deep: ['ok', '\udc00'] } } } }, `invalid SeldonMessage JSON at meta.tags.t.deep[1]: ${why}`);
  rejects('SeldonMessage', { jsonData: { [lone]: 'v' } }, `invalid SeldonMessage JSON at jsonData.${lone}: key: ${why}`);
  rejects('SeldonMessage', { data: { ndarray: [['x', lone]] } }, `invalid SeldonMessage JSON at data.ndarray[0][1]: ${why}`);
  // Paired surrogates (an emoji written as two escapes) are Unicode text and go through.
  const emoji = '\ud83d\ude00';
  const back = codec.toJson('SeldonMessage', codec.toProto('SeldonMessage', { strData: emoji, meta: { tags: { [emoji]: emoji } } }));
  assert.deepEqual(back, { strData: emoji, meta: { tags: { [emoji]: emoji } } });
});
