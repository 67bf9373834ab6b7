import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJsonNumber, writeShortestNumber } from '../../../src/message/number-text';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Doubles with random bits (finite only): every exponent and significand pattern. */
function randomDouble(next: () => number): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (;;) {
    u[0] = Math.floor(next() * 2 ** 32);
    u[1] = Math.floor(next() * 2 ** 32);
    const v = f[0] as number;
    if (Number.isFinite(v)) return v;
  }
}

const out = Buffer.alloc(64);

/** Collects the values whose written text differs from JSON.stringify's (asserting on each is slow). */
function writeMismatches(values: Iterable<number>): string[] {
  const bad: string[] = [];
  for (const v of values) {
    const end = writeShortestNumber(v, out, 0);
    const got = out.toString('latin1', 0, end);
    if (got !== JSON.stringify(v)) bad.push(`${JSON.stringify(v)} written as ${got}`);
  }
  return bad.slice(0, 10);
}

/** Collects the texts whose read value or end differs from Number(text). */
function readMismatches(texts: Iterable<string>): string[] {
  const bad: string[] = [];
  for (const s of texts) {
    const bytes = Buffer.from(`${s},`);
    const cursor = { pos: 0 };
    const v = readJsonNumber(bytes, cursor);
    if (!Object.is(v, Number(s)) || cursor.pos !== s.length) bad.push(`${s} read as ${v}, ending at ${cursor.pos}`);
  }
  return bad.slice(0, 10);
}

function* map<T, U>(n: number, f: (i: number) => T, g: (t: T) => U): Generator<U> {
  for (let i = 0; i < n; i++) yield g(f(i));
}

const BOUNDARIES = [
  0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 0.5, 1 / 3, 2 / 3, 1e21, 1e21 - 65536, 999999999999999900000, 1e-6, 1e-7, 0.000001, 9.999999999999999e-7,
  1.0000000000000002e-6, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 52 + 0.5, 1e15, 1e15 + 0.125, 1e16, 1e17, 1e22, 1e23, Number.MAX_VALUE,
  Number.MIN_VALUE, 5e-324, 2.2250738585072014e-308, Number.MAX_SAFE_INTEGER, Number.EPSILON, 123456789012345.6, 0.30000000000000004,
  4.35, 0.8414709568023682, 1.7976931348623157e308, 2 ** -20, 2 ** 60, 2 ** -1022,
];

/** Each boundary with its neighbours one ulp away, and negated. */
function* aroundBoundaries(): Generator<number> {
  const f = new Float64Array(1);
  const big = new BigInt64Array(f.buffer);
  for (const b of BOUNDARIES) {
    for (const sign of [1, -1]) {
      f[0] = Math.abs(b);
      const bits = big[0] as bigint;
      for (const d of [-2n, -1n, 0n, 1n, 2n]) {
        if (bits + d < 0n) continue;
        big[0] = bits + d;
        const v = f[0] as number;
        if (Number.isFinite(v)) yield sign * v;
      }
    }
  }
  for (let p = -330; p <= 310; p++) {
    for (const v of [Number(`1e${p}`), Number(`9.999999999999999e${p}`), Number(`1.0000000000000002e${p}`)]) if (Number.isFinite(v)) yield v;
  }
}

test('writeShortestNumber: boundaries, powers of ten and their neighbours', () => {
  assert.deepEqual(writeMismatches(aroundBoundaries()), []);
});

test('writeShortestNumber: float32 values as doubles (the P2 payload), 200k', () => {
  assert.deepEqual(writeMismatches(map(200_000, (i) => Math.fround(Math.sin(i)), (v) => v)), []);
  assert.deepEqual(writeMismatches(map(100_000, (i) => Math.fround(Math.cos(i) * 1000), (v) => -v)), []);
});

test('writeShortestNumber: random bits, 300k', () => {
  const next = rng(1);
  assert.deepEqual(writeMismatches(map(300_000, () => randomDouble(next), (v) => v)), []);
});

test('writeShortestNumber: random magnitudes across the fixed-notation range, 300k', () => {
  const next = rng(2);
  const values = map(300_000, () => (next() - 0.5) * 10 ** Math.floor(next() * 30 - 8), (v) => v);
  assert.deepEqual(writeMismatches(values), []);
});

test('writeShortestNumber: integers, short decimals and averages of them', () => {
  const next = rng(3);
  const values = map(
    200_000,
    (i) => {
      const kind = i % 4;
      if (kind === 0) return Math.floor(next() * 2 ** 53) * (next() < 0.5 ? -1 : 1);
      if (kind === 1) return Math.floor(next() * 100_000) / 10 ** Math.floor(next() * 8);
      if (kind === 2) return (Math.floor(next() * 1e6) / 1000 + Math.floor(next() * 1e6) / 1000) / 2;
      return (Math.fround(next()) + Math.fround(next()) + Math.fround(next())) / 3;
    },
    (v) => v,
  );
  assert.deepEqual(writeMismatches(values), []);
});

test('readJsonNumber: shortest texts of boundaries, float32 values and random bits', () => {
  const boundaries = [...aroundBoundaries()].map((v) => JSON.stringify(v));
  assert.deepEqual(readMismatches(boundaries), []);
  assert.deepEqual(readMismatches(map(200_000, (i) => Math.fround(Math.sin(i)), (v) => JSON.stringify(v))), []);
  const next = rng(4);
  assert.deepEqual(readMismatches(map(200_000, () => randomDouble(next), (v) => JSON.stringify(v))), []);
});

test('readJsonNumber: 17-digit and longer texts, toPrecision(1..21) of random values', () => {
  const next = rng(5);
  const texts = map(
    300_000,
    (i) => (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20) * (i % 2 === 0 ? 1 : Math.fround(next())),
    (v) => {
      const text = v.toPrecision(1 + Math.floor(next() * 21));
      return text.replace('e+', next() < 0.5 ? 'E' : 'e+');
    },
  );
  assert.deepEqual(readMismatches(texts), []);
});

test('readJsonNumber: hand-written forms', () => {
  const texts = [
    '0', '-0', '0.0', '-0.0', '0e5', '-0E-5', '1e5', '1E5', '1e+5', '-12.5e-3', '0.123', '1.500', '1.5000000000000000000000000', '100', '1200.0',
    '10.05', '0.000123', '00000.1'.slice(4), '1e400', '-1e400', '1e-400', '123456789012345678901234', '0.1000000000000000055511151231257827',
    '9007199254740993', '9007199254740992', '9007199254740991', '9007199254740993.0', '12345678901234567', '1.2345678901234567',
    '98765432109876543', '0.98765432109876543', '5e-324', '2e-324', '1.7976931348623157e308', '1.7976931348623159e308',
    '2.2250738585072014e-308', '2.2250738585072011e-308', '0.30000000000000004', '1e21', '1e-7', '1e22', '1e23', '123e-20', '123e20',
    '1e99999999999', '1e-99999999999', '100000000000000000000000000000000000', '0.00000000000000000000000000000000001',
  ];
  assert.deepEqual(readMismatches(texts), []);
});

test('readJsonNumber: what is not a JSON number gives NaN and leaves the cursor', () => {
  for (const text of ['', '-', '+1', '.5', '1.', '1.e5', '01', '-01', '1e', '1e+', '1E-', 'a', '-a', 'NaN', 'Infinity', '-Infinity', ' 1']) {
    const cursor = { pos: 0 };
    assert.ok(Number.isNaN(readJsonNumber(Buffer.from(text), cursor)), text);
    assert.equal(cursor.pos, 0, text);
  }
});

test('readJsonNumber: stops at the first byte after the number, within a larger buffer', () => {
  const bytes = Buffer.from('[1.5,-2e3]');
  const cursor = { pos: 1 };
  assert.equal(readJsonNumber(bytes, cursor), 1.5);
  assert.equal(cursor.pos, 4);
  cursor.pos = 5;
  assert.equal(readJsonNumber(bytes, cursor), -2000);
  assert.equal(cursor.pos, 9);
  // A subarray: positions are relative to it.
  const sub = Buffer.from('xx12.25]').subarray(2);
  const c2 = { pos: 0 };
  assert.equal(readJsonNumber(sub, c2), 12.25);
  assert.equal(c2.pos, 5);
});
