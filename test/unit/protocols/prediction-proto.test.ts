import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import * as protojson from 'protobufjs/ext/protojson';
import { loadSeldonCodec, SELDON_MESSAGE_TYPES, type SeldonMessageType } from '../../../src/protocols/seldon/proto-codec';

const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonCodec(PROTO_DIR);

/** Field name -> number, for every field of a message type. */
function numbers(typeName: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of codec.root.lookupType(typeName).fieldsArray) out[f.name] = f.id;
  return out;
}

test('field numbers match Seldon proto/prediction.proto', () => {
  assert.deepEqual(numbers('seldon.protos.SeldonMessage'), { status: 1, meta: 2, data: 3, binData: 4, strData: 5, jsonData: 6, customData: 7 });
  assert.deepEqual(numbers('seldon.protos.DefaultData'), { names: 1, tensor: 2, ndarray: 3, tftensor: 4 });
  assert.deepEqual(numbers('seldon.protos.Tensor'), { shape: 1, values: 2 });
  assert.deepEqual(numbers('seldon.protos.Meta'), { puid: 1, tags: 2, routing: 3, requestPath: 4, metrics: 5 });
  assert.deepEqual(numbers('seldon.protos.Metric'), { key: 1, type: 2, value: 3, tags: 4, bins: 5 });
  assert.deepEqual(numbers('seldon.protos.SeldonMessageList'), { seldonMessages: 1 });
  assert.deepEqual(numbers('seldon.protos.Status'), { code: 1, info: 2, reason: 3, status: 4 });
  assert.deepEqual(numbers('seldon.protos.Feedback'), { request: 1, response: 2, reward: 3, truth: 4 });
  assert.deepEqual(numbers('seldon.protos.RequestResponse'), { request: 1, response: 2 });
  assert.deepEqual(numbers('seldon.protos.SeldonModelMetadataRequest'), { name: 1 });
  assert.deepEqual(numbers('seldon.protos.SeldonMessageMetadata'), { messagetype: 1, schema: 2, name: 3, datatype: 4, shape: 5 });
  assert.deepEqual(numbers('seldon.protos.SeldonModelMetadata'), { name: 1, versions: 2, platform: 3, inputs: 4, outputs: 5, custom: 6 });
  assert.deepEqual(numbers('seldon.protos.SeldonGraphMetadata'), { name: 1, models: 2, inputs: 3, outputs: 4 });
});

test('field types, oneofs and enums match Seldon proto/prediction.proto', () => {
  const types = (name: string): Record<string, string> => Object.fromEntries(codec.root.lookupType(name).fieldsArray.map((f) => [f.name, `${f.repeated && !f.map ? 'repeated ' : ''}${f instanceof protobuf.MapField ? `map<${f.keyType},${f.type}>` : f.type}`]));
  assert.deepEqual(types('seldon.protos.SeldonMessage'), { status: 'Status', meta: 'Meta', data: 'DefaultData', binData: 'bytes', strData: 'string', jsonData: 'google.protobuf.Value', customData: 'google.protobuf.Any' });
  assert.deepEqual(types('seldon.protos.DefaultData'), { names: 'repeated string', tensor: 'Tensor', ndarray: 'google.protobuf.ListValue', tftensor: 'tensorflow.TensorProto' });
  assert.deepEqual(types('seldon.protos.Tensor'), { shape: 'repeated int32', values: 'repeated double' });
  assert.deepEqual(types('seldon.protos.Meta'), { puid: 'string', tags: 'map<string,google.protobuf.Value>', routing: 'map<string,int32>', requestPath: 'map<string,string>', metrics: 'repeated Metric' });
  assert.deepEqual(types('seldon.protos.Metric'), { key: 'string', type: 'MetricType', value: 'float', tags: 'map<string,string>', bins: 'repeated float' });
  assert.deepEqual(types('seldon.protos.Feedback'), { request: 'SeldonMessage', response: 'SeldonMessage', reward: 'float', truth: 'SeldonMessage' });
  assert.deepEqual(types('seldon.protos.SeldonMessageMetadata'), { messagetype: 'string', schema: 'google.protobuf.Value', name: 'string', datatype: 'string', shape: 'repeated int64' });
  assert.deepEqual(codec.root.lookupType('seldon.protos.SeldonMessage').oneofs['dataOneof']?.oneof, ['data', 'binData', 'strData', 'jsonData', 'customData']);
  assert.deepEqual(codec.root.lookupType('seldon.protos.DefaultData').oneofs['dataOneof']?.oneof, ['tensor', 'ndarray', 'tftensor']);
  assert.equal(codec.root.lookupType('seldon.protos.Tensor').fields['values']?.packed, true);
  assert.deepEqual({ ...codec.root.lookupEnum('seldon.protos.Status.StatusFlag').values }, { SUCCESS: 0, FAILURE: 1 });
  assert.deepEqual({ ...codec.root.lookupEnum('seldon.protos.Metric.MetricType').values }, { COUNTER: 0, GAUGE: 1, TIMER: 2, HISTOGRAM: 3 });
});

test('TensorProto subset keeps TensorFlow field numbers', () => {
  assert.deepEqual(numbers('tensorflow.TensorProto'), {
    dtype: 1, tensorShape: 2, versionNumber: 3, tensorContent: 4, halfVal: 13, floatVal: 5, doubleVal: 6, intVal: 7, stringVal: 8,
    scomplexVal: 9, int64Val: 10, boolVal: 11, dcomplexVal: 12, uint32Val: 16, uint64Val: 17,
  });
  assert.deepEqual(numbers('tensorflow.TensorShapeProto'), { dim: 2, unknownRank: 3 });
  assert.deepEqual(numbers('tensorflow.TensorShapeProto.Dim'), { size: 1, name: 2 });
  const dt = codec.root.lookupEnum('tensorflow.DataType').values;
  assert.deepEqual([dt['DT_INVALID'], dt['DT_FLOAT'], dt['DT_DOUBLE'], dt['DT_INT32'], dt['DT_STRING'], dt['DT_INT64'], dt['DT_BOOL'], dt['DT_HALF'], dt['DT_UINT64'], dt['DT_FLOAT_REF'], dt['DT_UINT64_REF']], [0, 1, 2, 3, 7, 9, 10, 19, 23, 101, 123]);
});

test('services and methods match Seldon (names, request and response types)', () => {
  const methods = (name: string): Record<string, string> =>
    Object.fromEntries(Object.values(codec.root.lookupService(`seldon.protos.${name}`).methods).map((m) => [m.name, `${m.requestType} -> ${m.responseType}`]));
  const msg = 'SeldonMessage -> SeldonMessage';
  const feedback = 'Feedback -> SeldonMessage';
  assert.deepEqual(methods('Generic'), { TransformInput: msg, TransformOutput: msg, Route: msg, Aggregate: 'SeldonMessageList -> SeldonMessage', SendFeedback: feedback });
  assert.deepEqual(methods('Model'), { Predict: msg, SendFeedback: feedback, Metadata: 'google.protobuf.Empty -> SeldonModelMetadata' });
  assert.deepEqual(methods('Router'), { Route: msg, SendFeedback: feedback });
  assert.deepEqual(methods('Transformer'), { TransformInput: msg });
  assert.deepEqual(methods('OutputTransformer'), { TransformOutput: msg });
  assert.deepEqual(methods('Combiner'), { Aggregate: 'SeldonMessageList -> SeldonMessage' });
  assert.deepEqual(methods('Seldon'), { Predict: msg, SendFeedback: feedback, ModelMetadata: 'SeldonModelMetadataRequest -> SeldonModelMetadata', GraphMetadata: 'google.protobuf.Empty -> SeldonGraphMetadata' });
  for (const m of Object.values(codec.root.lookupService('seldon.protos.Seldon').methods)) assert.ok(!m.requestStream && !m.responseStream, `${m.name} is unary`);
});

test('golden bytes: hand-encoded wire format', () => {
  const hex = (type: SeldonMessageType, json: unknown): string => codec.toProto(type, json).toString('hex');
  assert.equal(hex('SeldonMessage', { strData: 'hi' }), '2a026869');
  // data(3){ tensor(2){ shape(1) packed [1,2], values(2) packed [1.0, 2.0] } }
  assert.equal(hex('SeldonMessage', { data: { tensor: { shape: [1, 2], values: [1, 2] } } }), '1a18' + '1216' + '0a020102' + '1210' + '000000000000f03f' + '0000000000000040');
  // data(3){ ndarray(3) ListValue{ values(1) Value{ number_value(2) 1.0 } } }
  assert.equal(hex('SeldonMessage', { data: { ndarray: [1] } }), '1a0d' + '1a0b' + '0a09' + '11000000000000f03f');
  // meta(2){ puid(1) "p", routing(3) entry{ key "r", value 1 } }; status(1){ code 500, status FAILURE }
  assert.equal(hex('SeldonMessage', { meta: { puid: 'p', routing: { r: 1 } }, status: { code: 500, status: 'FAILURE' } }), '0a05' + '08f403' + '2001' + '120a' + '0a0170' + '1a05' + '0a0172' + '1001');
  // jsonData(6) Value{ null_value(1) 0 }
  assert.equal(hex('SeldonMessage', { jsonData: null }), '32020800');
  assert.equal(hex('Feedback', { reward: 1 }), '1d0000803f');
});

test('our bytes equal protobufjs protojson + stock encoder, and its JSON equals ours except float shortening', () => {
  const cases: Array<[SeldonMessageType, unknown]> = [
    ['SeldonMessage', { data: { names: ['a', 'b'], ndarray: [[1, 2.5, 'x', null, true, { k: [1] }]] }, meta: { puid: 'p', tags: { t: 'x', n: 2 }, routing: { r: 1 }, requestPath: { m: 'img' } } }],
    ['SeldonMessage', { data: { tftensor: { dtype: 'DT_INT64', tensorShape: { dim: [{ size: '2' }] }, int64Val: ['1', '-9223372036854775808'], tensorContent: 'AAE=' } } }],
    ['SeldonMessage', { jsonData: { a: [1, null, true] } }],
    ['SeldonMessage', { customData: { '@type': 'type.googleapis.com/seldon.protos.Tensor', shape: [1], values: [2] } }],
    ['SeldonMessage', { status: { code: 500, info: 'x', reason: 'y', status: 'FAILURE' }, binData: 'AAEC' }],
    ['Feedback', { request: { strData: 'q' }, response: { jsonData: 'r' }, reward: 1, truth: { data: { tensor: { shape: [1], values: [0.25] } } } }],
    ['SeldonMessageList', { seldonMessages: [{ strData: 'a' }, { data: { ndarray: [[1]] } }] }],
    ['SeldonModelMetadata', { name: 'm', inputs: [{ messagetype: 'tensor', schema: { names: ['a'] }, shape: ['-1', '3'] }], custom: { a: 'b' } }],
    ['SeldonGraphMetadata', { name: 'g', models: { m: { name: 'm', versions: ['1'] } } }],
  ];
  for (const [name, json] of cases) {
    const type = codec.root.lookupType(`seldon.protos.${name}`);
    const ours = codec.toProto(name, json);
    const theirs = Buffer.from(type.encode(protojson.fromJson(type, json)).finish());
    assert.equal(ours.toString('hex'), theirs.toString('hex'), `bytes of ${JSON.stringify(json)}`);
    assert.deepEqual(protojson.toJson(type, type.decode(ours)), codec.toJson(name, ours));
  }
  // Floats: protojson prints the widened float64, jsonpb (and we) the shortest float32 decimal.
  const fb = codec.toProto('Feedback', { reward: 0.1 });
  const type = codec.root.lookupType('seldon.protos.Feedback');
  assert.deepEqual(protojson.toJson(type, type.decode(fb)), { reward: 0.10000000149011612 });
  assert.deepEqual(codec.toJson('Feedback', fb), { reward: 0.1 });
});

test('@grpc/proto-loader (protobufjs 7, toObject path) decodes our bytes, and we decode its bytes', () => {
  const def = protoLoader.loadSync('seldon/prediction.proto', { includeDirs: [PROTO_DIR], longs: String, enums: String, bytes: String, defaults: false, oneofs: true });
  const predict = (def['seldon.protos.Model'] as protoLoader.ServiceDefinition)['Predict'];
  assert.ok(predict !== undefined);
  assert.equal(predict.path, '/seldon.protos.Model/Predict');
  const json = { data: { names: ['a'], ndarray: [[1, 2.5], [3, 4]] }, meta: { puid: 'p', routing: { r: 1 }, tags: { t: 'x' } }, status: { code: 7, status: 'FAILURE' } };
  const obj = predict.requestDeserialize(codec.toProto('SeldonMessage', json)) as Record<string, unknown>;
  const row = (v: number, w: number): unknown => ({ listValue: { values: [{ numberValue: v, kind: 'numberValue' }, { numberValue: w, kind: 'numberValue' }] }, kind: 'listValue' });
  assert.deepEqual(obj, {
    status: { code: 7, status: 'FAILURE' },
    meta: { puid: 'p', routing: { r: 1 }, tags: { t: { stringValue: 'x', kind: 'stringValue' } } },
    data: { names: ['a'], ndarray: { values: [row(1, 2.5), row(3, 4)] }, dataOneof: 'ndarray' },
    dataOneof: 'data',
  });
  const tf = { data: { tftensor: { dtype: 'DT_INT64', tensorShape: { dim: [{ size: '3' }] }, int64Val: ['9007199254740993', '-1', '0'] } } };
  const tfObj = predict.requestDeserialize(codec.toProto('SeldonMessage', tf)) as { data: { tftensor: unknown } };
  assert.deepEqual(tfObj.data.tftensor, { dtype: 'DT_INT64', tensorShape: { dim: [{ size: '3' }] }, int64Val: ['9007199254740993', '-1', '0'] });
  // The other direction: proto-loader serializes, we read.
  const bytes = predict.responseSerialize({ strData: 'from proto-loader', meta: { requestPath: { m: 'img:1' }, metrics: [{ key: 'k', type: 'TIMER', value: 0.5 }] } });
  assert.deepEqual(codec.toJson('SeldonMessage', bytes), { meta: { requestPath: { m: 'img:1' }, metrics: [{ key: 'k', type: 'TIMER', value: 0.5 }] }, strData: 'from proto-loader' });
  const agg = (def['seldon.protos.Combiner'] as protoLoader.ServiceDefinition)['Aggregate'];
  assert.equal(agg?.path, '/seldon.protos.Combiner/Aggregate');
  const list = agg?.requestDeserialize(codec.toProto('SeldonMessageList', { seldonMessages: [{ strData: 'a' }, { binData: 'AQ==' }] }));
  assert.deepEqual(list, { seldonMessages: [{ strData: 'a', dataOneof: 'strData' }, { binData: 'AQ==', dataOneof: 'binData' }] });
});

test('the exposed root is stock protobufjs (Value keeps its {kind} object form)', () => {
  const value = codec.root.lookupType('google.protobuf.Value');
  const bytes = value.encode(value.fromObject({ numberValue: 2 })).finish();
  assert.equal(Buffer.from(bytes).toString('hex'), '110000000000000040');
  assert.deepEqual(value.toObject(value.decode(bytes)), { numberValue: 2 });
  assert.deepEqual(SELDON_MESSAGE_TYPES.map((t) => codec.root.lookupType(`seldon.protos.${t}`).name), [...SELDON_MESSAGE_TYPES]);
});
