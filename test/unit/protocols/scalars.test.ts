import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesIn, floatOut, floatOutSlow, int64In, ShapeError } from '../../../src/protocols/seldon/scalars';

test('floatOut: shortest decimal that reads back as the same float32', () => {
  const cases: Array<[number, number]> = [
    [0.1, 0.1], [0.3, 0.3], [-0.7, -0.7], [2.1, 2.1], [1 / 3, 0.33333334], [123456789, 123456790], [16777217, 16777216],
    [3.4028234663852886e38, 3.4028235e38], [1e38, 1e38], [1e-45, 1e-45], [1.17549435e-38, 1.1754944e-38], [999.99, 999.99], [1000.5, 1000.5], [1e10, 1e10],
  ];
  for (const [input, expected] of cases) assert.equal(floatOut(Math.fround(input)), expected, `${input}`);
  assert.equal(floatOut(NaN), 'NaN');
  assert.equal(floatOut(-Infinity), '-Infinity');
});

test('floatOut (fast path) agrees with the toPrecision reference on 200k random float32 bit patterns', () => {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  let seed = 12345;
  for (let i = 0; i < 200000; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    u32[0] = seed;
    const x = f32[0] ?? 0;
    assert.equal(floatOut(x), floatOutSlow(x), `bits ${seed.toString(16)}`);
  }
});

test('int64In: safe integers stay numbers, larger values become exact low/high words', () => {
  assert.equal(int64In(5, 'p', false), 5);
  assert.equal(int64In('-5', 'p', false), -5);
  assert.deepEqual(int64In('9223372036854775807', 'p', false), { low: 0xffffffff, high: 0x7fffffff, unsigned: false });
  assert.deepEqual(int64In('-9223372036854775808', 'p', false), { low: 0, high: 0x80000000, unsigned: false });
  assert.deepEqual(int64In('18446744073709551615', 'p', true), { low: 0xffffffff, high: 0xffffffff, unsigned: true });
  assert.throws(() => int64In('1.5', 'p', false), ShapeError);
  assert.throws(() => int64In('0x10', 'p', false), ShapeError);
  assert.throws(() => int64In(-1, 'p', true), ShapeError);
  assert.throws(() => int64In('18446744073709551616', 'p', true), ShapeError);
});

test('bytesIn: standard / URL-safe, padded or not; rejects anything else', () => {
  for (const s of ['AAEC', 'AAE=', 'AAE', 'AA==', 'AA', '+/8=', '-_8', '']) assert.ok(Buffer.isBuffer(bytesIn(s, 'p')), s);
  assert.deepEqual(bytesIn('-_8', 'p'), Buffer.from([0xfb, 0xff]));
  for (const s of ['A', 'AAAAA', 'AA=A', 'AA===', 'A A=', 'AA\n==', '*AAA']) assert.throws(() => bytesIn(s, 'p'), ShapeError, s);
});
