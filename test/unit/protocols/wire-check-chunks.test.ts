import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSeldonProtocol } from '../../../src/protocols/seldon';
import type { SeldonMessageType } from '../../../src/message/payload';
import { splitAt } from '../../helpers/split-chunks';

/**
 * The wire check over a message held as chunks (as received from HTTP/2) must accept and refuse
 * exactly what it does over the same bytes in one buffer, with the same message, wherever the chunks
 * are cut: inside tags, varints, lengths and nested messages.
 */

const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonProtocol(PROTO_DIR);

function outcome(type: SeldonMessageType, bytes: Uint8Array | readonly Uint8Array[]): string {
  try {
    codec.check(type, bytes);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}


let seed = 987654321;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

function same(type: SeldonMessageType, bytes: Buffer, chunks: readonly Buffer[], what: string): string {
  const want = outcome(type, bytes);
  assert.equal(outcome(type, chunks), want, `${what} (${chunks.map((c) => c.length).join('+')} bytes)`);
  return want;
}

const MESSAGES: Array<[SeldonMessageType, unknown]> = [
  ['SeldonMessage', { data: { names: ['a', 'b'], tensor: { shape: [1, 2], values: [0.5, -1e300] } }, meta: { puid: 'p', tags: { t: 'x', n: [1, { k: null }] }, routing: { r: 1 }, requestPath: { m: 'img:1' }, metrics: [{ key: 'k', type: 'GAUGE', value: 2 }] } }],
  ['SeldonMessage', { data: { ndarray: [[1, 'two', true, null, { k: [1, [2, [3]]] }]] }, status: { code: 200, info: 'ok', reason: 'r', status: 'SUCCESS' } }],
  ['SeldonMessage', { strData: 'x'.repeat(300) }],
  ['Feedback', { request: { data: { ndarray: [[1]] } }, response: { data: { ndarray: [[2]] }, meta: { routing: { r: 0 } } }, reward: 1, truth: { data: { ndarray: [[1]] } } }],
  ['SeldonMessageList', { seldonMessages: [{ data: { ndarray: [[1]] } }, { strData: 'x' }] }],
];

test('valid messages split at every position, and into single bytes, pass', () => {
  for (const [type, json] of MESSAGES) {
    const bytes = codec.toProto(type, json);
    for (let cut = 0; cut <= bytes.length; cut++) assert.equal(same(type, bytes, splitAt(bytes, [cut]), `${type} cut at ${cut}`), 'ok');
    assert.equal(same(type, bytes, [...bytes].map((b) => Buffer.from([b])), `${type} byte by byte`), 'ok');
  }
});

test('every truncation, under random splits, is refused with the one-buffer error', () => {
  for (const [type, json] of MESSAGES) {
    const whole = codec.toProto(type, json);
    for (let len = 0; len <= whole.length; len++) {
      const bytes = whole.subarray(0, len);
      const cuts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.floor(random() * (len + 1)));
      same(type, bytes, splitAt(bytes, cuts), `${type} truncated to ${len}`);
    }
  }
});

test('random corruption under random splits: same acceptance and same error as one buffer', () => {
  let refused = 0;
  let accepted = 0;
  for (const [type, json] of MESSAGES) {
    const good = codec.toProto(type, json);
    for (let k = 0; k < 400; k++) {
      const bytes = Buffer.from(good);
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cuts = Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * (bytes.length + 1)));
      if (same(type, bytes, splitAt(bytes, cuts), `${type} corrupted #${k}`) === 'ok') accepted++;
      else refused++;
    }
  }
  assert.ok(accepted > 0 && refused > 0, `accepted ${accepted}, refused ${refused}`);
});

test('hand-made edge cases (long varints, groups, wire types, lengths past the end) split at every position', () => {
  const cases: Buffer[] = [
    Buffer.from([0xff, 0xff, 0xff]),
    Buffer.from([0x0f]),
    Buffer.from([0x1a, 0x10, 0x01]),
    Buffer.from([0x02, 0x00]),
    Buffer.from([0x09, 1, 2, 3]),
    Buffer.from([0x0d, 1, 2]),
    Buffer.from([0x08, ...Array<number>(10).fill(0x80), 0x01]),
    Buffer.from([0x08, ...Array<number>(9).fill(0xff), 0x01]),
    Buffer.from([0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x05, 0x11]),
    Buffer.from([0xa4, 0x01]),
    Buffer.from([0xa3, 0x01, 0x08, 0x01]),
    Buffer.from([0xa3, 0x01, 0xac, 0x01]),
    Buffer.from([0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01, 0xaa, 0x01, 0x02, 0x41, 0x42, 0xb5, 0x01, 1, 2, 3, 4]),
    Buffer.from([0x18, 0x05]),
    // strData (field 5) with a 2-byte length of 200 and its 200 bytes, then a varint field.
    Buffer.concat([Buffer.from([0x2a, 0xc8, 0x01]), Buffer.alloc(200, 0x41), Buffer.from([0x08, 0x96, 0x01])]),
  ];
  for (const bytes of cases) {
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) same('SeldonMessage', bytes, splitAt(bytes, [i, j]), `[${[...bytes.subarray(0, 12)].join(',')}] cut at ${i}, ${j}`);
      if (bytes.length > 40) break; // the long one: one cut at every position is enough
    }
  }
});

test('a 1 MiB tensor in 16 KiB chunks passes; cut one byte short it is refused as in one buffer', () => {
  const values = Array.from({ length: 131_072 }, (_, i) => Math.sin(i));
  const bytes = codec.toProto('SeldonMessage', { data: { tensor: { shape: [1, values.length], values } } });
  const chunks = Array.from({ length: Math.ceil(bytes.length / 16384) }, (_, i) => bytes.subarray(i * 16384, (i + 1) * 16384));
  assert.equal(same('SeldonMessage', bytes, chunks, '1 MiB tensor'), 'ok');
  const short = bytes.subarray(0, bytes.length - 1);
  assert.notEqual(same('SeldonMessage', short, splitAt(short, [3, 16384, 500_000]), '1 MiB tensor cut short'), 'ok');
});

test('no chunks, or empty chunks only, is the empty message', () => {
  assert.equal(outcome('SeldonMessage', []), 'ok');
  assert.equal(outcome('SeldonMessage', [Buffer.alloc(0), Buffer.alloc(0)]), 'ok');
});
