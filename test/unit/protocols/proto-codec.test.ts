import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSeldonCodec, type SeldonMessageType } from '../../../src/protocols/seldon/proto-codec';

// Compiled tests run from dist/test/unit/protocols; the protos live at the repo root.
const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonCodec(PROTO_DIR);

function roundTrip(type: SeldonMessageType, json: unknown): unknown {
  return codec.toJson(type, codec.toProto(type, json));
}

/** Round trip of JSON text, as a REST body would arrive (so `2.0` is the number 2). */
function roundTripText(type: SeldonMessageType, text: string): unknown {
  return roundTrip(type, JSON.parse(text));
}

test('SeldonMessage with ndarray, names and meta round-trips unchanged', () => {
  const json = { data: { names: ['a'], ndarray: [[1, 2.5], [3, 4]] }, meta: { puid: 'p', routing: { r: 1 }, tags: { t: 'x' } } };
  assert.deepEqual(roundTrip('SeldonMessage', json), json);
});

test('each payload member of the SeldonMessage oneof round-trips', () => {
  const cases: unknown[] = [
    { strData: 'hi' },
    { binData: 'AAEC' },
    { jsonData: { a: [1, null, true] } },
    { data: { tensor: { shape: [1, 2], values: [1, 2] } } },
    { data: { tftensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }] }, floatVal: [1, 2] } } },
    { status: { code: 500, info: 'x', reason: 'y', status: 'FAILURE' } },
    { customData: { '@type': 'type.googleapis.com/seldon.protos.Tensor', shape: [2], values: [0.5, 1] } },
  ];
  for (const json of cases) assert.deepEqual(roundTrip('SeldonMessage', json), json);
});

test('jsonData carries any JSON value, including scalars and null', () => {
  for (const jsonData of ['x', 3, -0.25, true, false, null, [], {}, [{ a: { b: [null, 'c'] } }]]) {
    assert.deepEqual(roundTrip('SeldonMessage', { jsonData }), { jsonData });
  }
});

test('Feedback and SeldonMessageList round-trip', () => {
  const feedback = {
    request: { data: { names: ['f'], ndarray: [[1]] } },
    response: { meta: { routing: { router: 0 } }, data: { ndarray: [[0.9]] } },
    reward: 1,
    truth: { data: { tensor: { shape: [1], values: [1] } } },
  };
  assert.deepEqual(roundTrip('Feedback', feedback), feedback);
  const list = { seldonMessages: [{ data: { ndarray: [[1, 2]] } }, { strData: 'b' }, {}] };
  assert.deepEqual(roundTrip('SeldonMessageList', list), list);
});

test('metadata messages round-trip; int64 shapes come back as strings', () => {
  const metadata = {
    name: 'model',
    versions: ['v1', 'v2'],
    platform: 'seldon',
    inputs: [{ messagetype: 'tensor', schema: { names: ['a', 'b'], shape: [2] } }, { name: 'in', datatype: 'FP32', shape: [-1, 3] }],
    outputs: [{ name: 'out', datatype: 'BYTES', shape: ['1'] }],
    custom: { author: 'me' },
  };
  assert.deepEqual(roundTrip('SeldonModelMetadata', metadata), {
    ...metadata,
    inputs: [metadata.inputs[0], { name: 'in', datatype: 'FP32', shape: ['-1', '3'] }],
  });
  const graph = { name: 'g', models: { a: { name: 'a', platform: 'p' }, b: { name: 'b' } }, inputs: [{ messagetype: 'jsonData' }], outputs: [{ messagetype: 'strData' }] };
  assert.deepEqual(roundTrip('SeldonGraphMetadata', graph), graph);
  assert.deepEqual(roundTrip('SeldonModelMetadataRequest', { name: 'x' }), { name: 'x' });
});

test('output uses lowerCamel names; input accepts the proto names too', () => {
  const json = { data: { tftensor: { dtype: 'DT_INT32', tensor_shape: { dim: [{ size: 2, name: 'n' }], unknown_rank: false }, version_number: 1, int_val: [1, -2] } } };
  assert.deepEqual(roundTrip('SeldonMessage', json), {
    data: { tftensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2', name: 'n' }] }, versionNumber: 1, intVal: [1, -2] } },
  });
});

test('output lists fields in .proto declaration order (status, meta, data), like jsonpb', () => {
  const out = roundTrip('SeldonMessage', { data: { ndarray: [1], names: ['n'] }, meta: { puid: 'p' }, status: { status: 'FAILURE', code: 1 } });
  assert.deepEqual(Object.keys(out as object), ['status', 'meta', 'data']);
  assert.deepEqual(Object.keys((out as { data: object }).data), ['names', 'ndarray']);
  assert.deepEqual(Object.keys((out as { status: object }).status), ['code', 'status']);
  const tf = roundTrip('SeldonMessage', { data: { tftensor: { floatVal: [1], halfVal: [2], dtype: 'DT_HALF' } } }) as { data: { tftensor: object } };
  assert.deepEqual(Object.keys(tf.data.tftensor), ['dtype', 'halfVal', 'floatVal']);
});

test('proto3 defaults are omitted; an explicitly set oneof member is kept even when empty', () => {
  const json = { status: { code: 0, info: '', reason: '', status: 'SUCCESS' }, meta: { puid: '', routing: {}, tags: {}, requestPath: {}, metrics: [] } };
  assert.deepEqual(roundTrip('SeldonMessage', json), { status: {}, meta: {} });
  assert.deepEqual(roundTrip('SeldonMessage', { strData: '' }), { strData: '' });
  assert.deepEqual(roundTrip('SeldonMessage', { binData: '' }), { binData: '' });
  assert.deepEqual(roundTrip('SeldonMessage', { data: {} }), { data: {} });
  assert.deepEqual(roundTrip('Feedback', { reward: 0 }), {});
  assert.deepEqual(roundTrip('SeldonMessage', {}), {});
});

test('JSON null (and undefined) means "not set", except for Value fields', () => {
  assert.deepEqual(roundTrip('SeldonMessage', { meta: null, status: undefined, strData: 'x' }), { strData: 'x' });
  assert.deepEqual(roundTrip('SeldonMessage', { jsonData: null }), { jsonData: null });
  assert.deepEqual(roundTrip('SeldonMessage', { meta: { tags: { gone: null } } }), { meta: { tags: { gone: null } } });
  // Falsy tag values survive protobufjs' map decoding (which swaps falsy decoded values for {}).
  const falsy = { meta: { tags: { zero: 0, no: false, empty: '', nil: null, list: [], obj: {} } } };
  assert.deepEqual(roundTrip('SeldonMessage', falsy), falsy);
});

test('ndarray numbers are doubles: 2.0 comes back as 2, strings and nulls stay', () => {
  assert.deepEqual(roundTripText('SeldonMessage', '{"data":{"ndarray":[[1.0,2.0],[3.5,-4e2]]}}'), { data: { ndarray: [[1, 2], [3.5, -400]] } });
  assert.deepEqual(roundTripText('SeldonMessage', '{"data":{"ndarray":[["a",null,true],[{"k":[1]}]]}}'), { data: { ndarray: [['a', null, true], [{ k: [1] }]] } });
  assert.equal(JSON.stringify(roundTripText('SeldonMessage', '{"data":{"ndarray":[1.1,2.0]}}')), '{"data":{"ndarray":[1.1,2]}}');
});

test('meta maps: routing (int32), requestPath (string), tags (any JSON), metrics', () => {
  const meta = {
    puid: 'abc',
    tags: { s: 'x', n: 1.5, b: true, l: [1, 'a'], o: { deep: { er: null } } },
    routing: { router: 1, other: -1, neg: -2 },
    requestPath: { model: 'seldonio/mock:1.0' },
    metrics: [
      { key: 'c', type: 'COUNTER', value: 1 },
      { key: 'g', type: 'GAUGE', value: 0.1, tags: { t: 'v' } },
      { key: 't', type: 'TIMER', value: 12.5, bins: [0.5, 1] },
    ],
  };
  // COUNTER is the enum default (0), so jsonpb omits it.
  const expected = { ...meta, metrics: [{ key: 'c', value: 1 }, meta.metrics[1], meta.metrics[2]] };
  assert.deepEqual(roundTrip('SeldonMessage', { meta }), { meta: expected });
});

test('"__proto__" map and Struct keys stay ordinary keys', () => {
  const json = JSON.parse('{"meta":{"tags":{"__proto__":{"x":1}},"routing":{"__proto__":2}},"jsonData":{"__proto__":[1]}}') as unknown;
  const out = roundTrip('SeldonMessage', json) as { meta: { tags: object; routing: object }; jsonData: object };
  assert.deepEqual(Object.entries(out.meta.tags), [['__proto__', { x: 1 }]]);
  assert.deepEqual(Object.entries(out.meta.routing), [['__proto__', 2]]);
  assert.deepEqual(Object.entries(out.jsonData), [['__proto__', [1]]]);
  assert.equal(Object.getPrototypeOf(out.meta.tags), Object.prototype);
});

test('enums: names or numbers in, names out; unknown numbers stay numbers', () => {
  assert.deepEqual(roundTrip('SeldonMessage', { status: { status: 1 } }), { status: { status: 'FAILURE' } });
  assert.deepEqual(roundTrip('SeldonMessage', { meta: { metrics: [{ key: 'h', type: 3 }] } }), { meta: { metrics: [{ key: 'h', type: 'HISTOGRAM' }] } });
  assert.deepEqual(roundTrip('SeldonMessage', { data: { tftensor: { dtype: 23 } } }), { data: { tftensor: { dtype: 'DT_UINT64' } } });
  assert.deepEqual(roundTrip('SeldonMessage', { data: { tftensor: { dtype: 77 } } }), { data: { tftensor: { dtype: 77 } } });
});

test('int64 / uint64: numbers or strings in, exact decimal strings out', () => {
  const json = { data: { tftensor: { dtype: 'DT_INT64', int64Val: [0, 1, '-5', '-9007199254740993', '9223372036854775807', '-9223372036854775808'], uint64Val: ['18446744073709551615', 7] } } };
  assert.deepEqual(roundTrip('SeldonMessage', json), {
    data: { tftensor: { dtype: 'DT_INT64', int64Val: ['0', '1', '-5', '-9007199254740993', '9223372036854775807', '-9223372036854775808'], uint64Val: ['18446744073709551615', '7'] } },
  });
  assert.deepEqual(roundTrip('SeldonMessage', { data: { tftensor: { tensorShape: { dim: [{ size: 1e18 }, { size: -1 }] } } } }), {
    data: { tftensor: { tensorShape: { dim: [{ size: '1000000000000000000' }, { size: '-1' }] } } },
  });
});

test('int32 and floats accept numeric strings (proto3 JSON); NaN/Infinity travel as strings', () => {
  assert.deepEqual(roundTrip('SeldonMessage', { status: { code: '404' }, data: { tensor: { shape: ['2'], values: ['1.5', 'NaN', 'Infinity', '-Infinity'] } } }), {
    status: { code: 404 },
    data: { tensor: { shape: [2], values: [1.5, 'NaN', 'Infinity', '-Infinity'] } },
  });
});

test('float fields print the shortest float32 decimal, as jsonpb does (0.1, not 0.10000000149011612)', () => {
  const out = roundTrip('Feedback', { reward: 0.7, request: { meta: { metrics: [{ key: 'k', value: 0.1, bins: [0.3, 1e-45, 3.4028235e38] }] } } });
  assert.deepEqual(out, { request: { meta: { metrics: [{ key: 'k', value: 0.1, bins: [0.3, 1e-45, 3.4028235e38] }] } }, reward: 0.7 });
  assert.deepEqual(roundTrip('SeldonMessage', { data: { tftensor: { floatVal: [2.1, -0.7, 16777217] } } }), { data: { tftensor: { floatVal: [2.1, -0.7, 16777216] } } });
});

test('bytes: standard and URL-safe base64 in, padded standard base64 out', () => {
  assert.deepEqual(roundTrip('SeldonMessage', { binData: '-_8' }), { binData: '+/8=' });
  assert.deepEqual(roundTrip('SeldonMessage', { binData: '+/8=' }), { binData: '+/8=' });
  assert.deepEqual(roundTrip('SeldonMessage', { binData: 'AQ' }), { binData: 'AQ==' });
  assert.deepEqual(roundTrip('SeldonMessage', { data: { tftensor: { dtype: 'DT_STRING', stringVal: ['aGk=', ''], tensorContent: 'AAECAw==' } } }), {
    data: { tftensor: { dtype: 'DT_STRING', tensorContent: 'AAECAw==', stringVal: ['aGk=', ''] } },
  });
  assert.deepEqual(codec.toProto('SeldonMessage', { binData: 'AAEC' }), Buffer.from([0x22, 0x03, 0x00, 0x01, 0x02]));
});

test('customData (Any): loaded types by fields, WKTs under "value", unknown types as base64 "value"', () => {
  const wkt = { customData: { '@type': 'type.googleapis.com/google.protobuf.Value', value: { a: [1, 'b'] } } };
  assert.deepEqual(roundTrip('SeldonMessage', wkt), wkt);
  const list = { customData: { '@type': 'type.googleapis.com/google.protobuf.ListValue', value: [1, [2]] } };
  assert.deepEqual(roundTrip('SeldonMessage', list), list);
  const nested = { customData: { '@type': 'type.googleapis.com/seldon.protos.SeldonMessage', strData: 'inner', meta: { puid: 'q' } } };
  assert.deepEqual(roundTrip('SeldonMessage', nested), { customData: { '@type': 'type.googleapis.com/seldon.protos.SeldonMessage', meta: { puid: 'q' }, strData: 'inner' } });
  const opaque = { customData: { '@type': 'type.googleapis.com/acme.Custom', value: 'CgNmb28=' } };
  assert.deepEqual(roundTrip('SeldonMessage', opaque), opaque);
  assert.deepEqual(roundTrip('SeldonMessage', { customData: {} }), { customData: {} });
  // The loaded-type form travels as a real Any: type_url + the Tensor's own bytes.
  const bytes = codec.toProto('SeldonMessage', { customData: { '@type': 'x/seldon.protos.Tensor', values: [1] } });
  const url = Buffer.from('x/seldon.protos.Tensor').toString('hex'); // 22 bytes
  assert.equal(bytes.toString('hex'), `3a24 0a16${url} 120a 1208000000000000f03f`.replace(/ /g, ''));
});

test('toJson accepts a plain Uint8Array, toProto returns a Buffer', () => {
  const bytes = codec.toProto('SeldonMessage', { strData: 'hi' });
  assert.ok(Buffer.isBuffer(bytes));
  assert.deepEqual(codec.toJson('SeldonMessage', new Uint8Array(bytes)), { strData: 'hi' });
});

test('bytes from the wire: a later oneof member replaces an earlier one, repeated messages merge', () => {
  const data = codec.toProto('SeldonMessage', { data: { ndarray: [1] } });
  const str = codec.toProto('SeldonMessage', { strData: 'x' });
  assert.deepEqual(codec.toJson('SeldonMessage', Buffer.concat([data, str])), { strData: 'x' });
  assert.deepEqual(codec.toJson('SeldonMessage', Buffer.concat([str, data])), { data: { ndarray: [1] } });
  const m1 = codec.toProto('SeldonMessage', { meta: { puid: 'a', tags: { x: 1 } } });
  const m2 = codec.toProto('SeldonMessage', { meta: { routing: { r: 2 }, tags: { y: 2 } } });
  assert.deepEqual(codec.toJson('SeldonMessage', Buffer.concat([m1, m2])), { meta: { puid: 'a', tags: { x: 1, y: 2 }, routing: { r: 2 } } });
  // meta(2){ tags(2) entry{ key "x" } }: a map entry without its Value reads as null.
  assert.deepEqual(codec.toJson('SeldonMessage', Buffer.from('120512030a0178', 'hex')), { meta: { tags: { x: null } } });
  // Unknown fields (here field 15, a varint) are skipped, as proto3 requires.
  assert.deepEqual(codec.toJson('SeldonMessage', Buffer.concat([Buffer.from('7801', 'hex'), str])), { strData: 'x' });
});
