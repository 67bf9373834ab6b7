import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteAt, chunksLength, joinChunks, sliceChunks, uint32At } from '../../../src/message/chunks';
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
