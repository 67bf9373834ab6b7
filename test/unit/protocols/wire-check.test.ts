import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { EngineError } from '../../../src/errors';
import { loadSeldonProtocol } from '../../../src/protocols/seldon';
import { MAX_DEPTH } from '../../../src/protocols/seldon/wire-check';

const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonProtocol(PROTO_DIR);

/** Valid messages of each type the engine checks, built with the engine's own JSON -> protobuf codec. */
const VALID: Array<[Parameters<typeof codec.check>[0], unknown]> = [
  ['SeldonMessage', { data: { ndarray: [[1, 2, 3, 4]] } }],
  ['SeldonMessage', { data: { names: ['a', 'b'], tensor: { shape: [1, 2], values: [0.5, -1e300] } }, meta: { puid: 'p', tags: { t: 'x', n: [1, { k: null }] }, routing: { r: 1 }, requestPath: { m: 'img:1' }, metrics: [{ key: 'k', type: 'GAUGE', value: 2 }] } }],
  ['SeldonMessage', { data: { ndarray: [[1, 'two', true, null, { k: [1, [2, [3]]] }]] }, status: { code: 200, info: 'ok', reason: 'r', status: 'SUCCESS' } }],
  ['SeldonMessage', { strData: 'héllo' }],
  ['SeldonMessage', { binData: 'AAEC/w==' }],
  ['SeldonMessage', { jsonData: { a: [1, { b: 'c' }], d: null } }],
  ['SeldonMessage', {}],
  ['Feedback', { request: { data: { ndarray: [[1]] } }, response: { data: { ndarray: [[2]] }, meta: { routing: { r: 0 } } }, reward: 1, truth: { data: { ndarray: [[1]] } } }],
  ['SeldonModelMetadataRequest', { name: 'model' }],
  ['SeldonMessageList', { seldonMessages: [{ data: { ndarray: [[1]] } }, { strData: 'x' }] }],
];

function rejects(bytes: Uint8Array, message: RegExp, what: string, type: Parameters<typeof codec.check>[0] = 'SeldonMessage'): void {
  assert.throws(
    () => codec.check(type, bytes),
    (err: unknown) => err instanceof EngineError && err.code === 'BAD_REQUEST_PROTOBUF' && err.message.startsWith(`malformed ${type}: `) && message.test(err.message),
    what,
  );
}

test('well-formed messages of every checked type pass', () => {
  for (const [type, json] of VALID) codec.check(type, codec.toProto(type, json));
  // The bench's 1 MiB tensor (131,072 packed doubles) too.
  const values = Array.from({ length: 131_072 }, (_, i) => Math.sin(i));
  codec.check('SeldonMessage', codec.toProto('SeldonMessage', { data: { tensor: { shape: [1, values.length], values } } }));
});

test('malformed wire format is rejected, saying what and where', () => {
  rejects(Buffer.from([0xff, 0xff, 0xff]), /a varint is cut off at byte 3/, 'unterminated varint');
  rejects(Buffer.from([0x0f]), /invalid wire type 7 at byte 0/, 'wire type 7');
  rejects(Buffer.from([0x0e]), /invalid wire type 6 at byte 0/, 'wire type 6');
  rejects(Buffer.from([0x1a, 0x10, 0x01]), /the field at byte 0 is 16 bytes long, past the end \(byte 3\)/, 'length past the end');
  rejects(Buffer.from([0x02, 0x00]), /field number 0 at byte 0/, 'field number 0');
  rejects(Buffer.from([0x09, 1, 2, 3]), /runs past the end/, 'fixed64 cut off');
  rejects(Buffer.from([0x0d, 1, 2]), /runs past the end/, 'fixed32 cut off');
  rejects(Buffer.from([0x08, ...Array<number>(10).fill(0x80), 0x01]), /longer than 10 bytes/, 'varint of 11 bytes');
  // Inside a nested message: SeldonMessage.data (3) -> DefaultData.ndarray (3) -> ListValue.values (1) -> a Value cut short.
  rejects(Buffer.from([0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x05, 0x11]), /past the end \(byte 7\)/, 'broken Value inside ndarray');
  rejects(Buffer.from([0xa4, 0x01]), /an end-group tag at byte 0 has no start/, 'end group alone');
  rejects(Buffer.from([0xa3, 0x01, 0x08, 0x01]), /the group of field 20 has no end-group tag/, 'group without end');
  rejects(Buffer.from([0xa3, 0x01, 0xac, 0x01]), /an end-group tag at byte 2 has no start/, 'group closed by another field');
});

test('unknown fields, groups and a known field with another wire type are skipped, as Go does', () => {
  // Field 20 as a group holding a varint, field 21 as bytes, field 22 as fixed32.
  codec.check('SeldonMessage', Buffer.from([0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01, 0xaa, 0x01, 0x02, 0x41, 0x42, 0xb5, 0x01, 1, 2, 3, 4]));
  // SeldonMessage.data (field 3, a message) sent as a varint.
  codec.check('SeldonMessage', Buffer.from([0x18, 0x05]));
});

test(`messages nested up to ${MAX_DEPTH} deep pass; deeper ones are refused instead of exhausting the stack`, () => {
  // Built by hand (the JSON codec stops at 50 levels): data -> ndarray -> (Value -> ListValue) x levels -> a number.
  const field = (tag: number, body: Buffer): Buffer => {
    const len: number[] = [];
    for (let n = body.length; ; n >>>= 7) {
      if (n < 0x80) {
        len.push(n);
        break;
      }
      len.push((n & 0x7f) | 0x80);
    }
    return Buffer.concat([Buffer.from([tag, ...len]), body]);
  };
  const nested = (levels: number): Buffer => {
    let value: Buffer = Buffer.from([0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]); // Value.number_value = 1
    for (let i = 0; i < levels; i++) value = field(0x32, field(0x0a, value)); // Value.list_value -> ListValue.values
    return field(0x1a, field(0x1a, field(0x0a, value))); // SeldonMessage.data -> DefaultData.ndarray -> ListValue.values
  };
  codec.check('SeldonMessage', nested(400));
  rejects(nested(600), new RegExp(`nested more than ${MAX_DEPTH} deep`), 'too deep');
  // The engine's own decoder reads what passed (the check's layout matches the protos).
  assert.equal(JSON.stringify(codec.toJson('SeldonMessage', nested(3))), '{"data":{"ndarray":[[[[1]]]]}}');
});

test('every prefix of a valid message passes exactly when it ends on a top-level field boundary', () => {
  for (const [type, json] of VALID) {
    const bytes = codec.toProto(type, json);
    const boundaries = new Set<number>([0]);
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      reader.skipType(reader.uint32() & 7);
      boundaries.add(reader.pos);
    }
    for (let cut = 0; cut <= bytes.length; cut++) {
      const prefix = bytes.subarray(0, cut);
      if (boundaries.has(cut)) codec.check(type, prefix);
      else rejects(prefix, /./, `${type} cut at ${cut} of ${bytes.length}`, type);
    }
  }
});

test('random corruption never escapes as anything but BAD_REQUEST_PROTOBUF', () => {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let accepted = 0;
  let refused = 0;
  for (const [type, json] of VALID) {
    const good = codec.toProto(type, json);
    for (let k = 0; k < 300; k++) {
      const bytes = Buffer.from(good);
      for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      try {
        codec.check(type, bytes);
        accepted++;
      } catch (err) {
        assert.ok(err instanceof EngineError && err.code === 'BAD_REQUEST_PROTOBUF', String(err));
        refused++;
      }
    }
  }
  assert.ok(accepted > 0 && refused > 0, `accepted ${accepted}, refused ${refused}`);
});
