import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendChunk, byteAt, chunksLength, joinChunks, sliceChunks, uint32At } from '../../../src/message/chunks';
import { splitAt } from '../../helpers/split-chunks';


const BYTES = Buffer.from(Array.from({ length: 23 }, (_, i) => (i * 37 + 11) & 0xff));

test('every read and slice of a chunk list equals the same read of the joined bytes', () => {
  for (let a = 0; a <= BYTES.length; a++) {
    for (let b = a; b <= BYTES.length; b++) {
      const chunks = splitAt(BYTES, [a, b]);
      assert.equal(chunksLength(chunks), BYTES.length);
      assert.ok(joinChunks(chunks).equals(BYTES));
      for (let i = 0; i < BYTES.length; i++) assert.equal(byteAt(chunks, i), BYTES[i]);
      for (let i = 0; i + 4 <= BYTES.length; i++) assert.equal(uint32At(chunks, i), BYTES.readUInt32BE(i), `uint32 at ${i}, cuts ${a} ${b}`);
      for (let s = 0; s <= BYTES.length; s++) {
        for (const e of [s, s + 1, s + 7, BYTES.length]) {
          if (e > BYTES.length) continue;
          const slice = sliceChunks(chunks, s, e);
          assert.ok(Buffer.concat(slice).equals(BYTES.subarray(s, e)), `slice ${s}..${e}, cuts ${a} ${b}`);
          assert.ok(slice.every((c) => c.length > 0), 'no empty chunk in a slice');
        }
      }
    }
  }
});

test('uint32At reads values above 2^31 as unsigned; byteAt past the end throws', () => {
  const bytes = Buffer.from([0xff, 0xfe, 0xfd, 0xfc]);
  assert.equal(uint32At(splitAt(bytes, [1, 3]), 0), 0xfffefdfc);
  assert.throws(() => byteAt([bytes], 4), RangeError);
});

test('a slice of chunks shares their memory (no copy)', () => {
  const chunks = splitAt(BYTES, [5, 12]);
  const slice = sliceChunks(chunks, 2, 20);
  assert.equal(slice.length, 3);
  assert.equal(slice[1], chunks[1], 'a whole chunk is reused as is');
  (chunks[0] as Buffer)[3] = 0;
  assert.equal(slice[0]?.[1], 0);
});

/** Appends every chunk with appendChunk, as a body reader does. */
function collect(parts: readonly Buffer[]): Buffer[] {
  const chunks: Buffer[] = [];
  let mark = 0;
  for (const p of parts) mark = appendChunk(chunks, p, mark);
  return chunks;
}

test('appendChunk: a body sent in 1-byte pieces is held as a few large chunks, bytes unchanged', () => {
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) & 0xff));
  const parts = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
  const chunks = collect(parts);
  assert.ok(joinChunks(chunks).equals(bytes));
  // 100,000 pieces: joined per 1,024, plus the last unchecked ones.
  assert.ok(chunks.length <= Math.ceil(100_000 / 1024) + 1024, `${chunks.length} chunks held`);
  assert.ok(chunks.length < 1_200, `${chunks.length} chunks held`);
});

test('appendChunk: usual chunks are kept as they are (no copy), small ones among large ones too; empty ones are dropped', () => {
  const large = Array.from({ length: 3_000 }, (_, i) => Buffer.alloc(2048, i & 0xff));
  const chunks = collect(large);
  assert.equal(chunks.length, large.length);
  chunks.forEach((c, i) => assert.equal(c, large[i]));
  // Half 1-byte, half 4 KiB: averages 2 KiB, so nothing is joined.
  const mixed = Array.from({ length: 3_000 }, (_, i) => (i % 2 === 0 ? Buffer.from([i & 0xff]) : Buffer.alloc(4096, 1)));
  const held = collect(mixed);
  assert.equal(held.length, mixed.length);
  assert.ok(joinChunks(held).equals(Buffer.concat(mixed)));
  assert.deepEqual(collect([Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(0)]), [Buffer.from('a')]);
});

test('appendChunk: pieces split at random sizes always rejoin to the same bytes', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 20; round++) {
    const bytes = Buffer.from(Array.from({ length: 20_000 + Math.floor(random() * 20_000) }, () => Math.floor(random() * 256)));
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const n = random() < 0.05 ? Math.floor(random() * 3000) : Math.floor(random() * 4);
      parts.push(bytes.subarray(at, at + n));
      at += n;
    }
    assert.ok(joinChunks(collect(parts)).equals(bytes), `round ${round}`);
  }
});
