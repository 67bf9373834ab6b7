import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { status as grpcStatus } from '@grpc/grpc-js';
import { CallStatus, FrameDecoder, frameMessage, type Frame } from '../../../src/transports/grpc/h2-frames';

function frame(message: Buffer, flag = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Feeds `chunks` to a decoder; the frames it yields, each joined, and the bytes it still holds. */
function decode(chunks: readonly Buffer[], maxBytes = 1 << 20): { frames: Buffer[]; pending: number; lists: Frame[] } {
  const decoder = new FrameDecoder(maxBytes);
  const lists: Frame[] = [];
  for (const c of chunks) decoder.push(c, lists);
  return { frames: lists.map((f) => Buffer.concat(f)), pending: decoder.pending, lists };
}

const A = frame(Buffer.from('hello, frames'));
const B = frame(Buffer.from([1, 2, 3]));
const EMPTY = frame(Buffer.alloc(0));
const STREAM = Buffer.concat([A, EMPTY, B]);

test('frames come out whole and unchanged wherever the chunks are cut (every one and two cut positions)', () => {
  for (let i = 0; i <= STREAM.length; i++) {
    for (let j = i; j <= STREAM.length; j++) {
      const { frames, pending } = decode([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
      assert.deepEqual(frames, [A, EMPTY, B], `cuts at ${i} and ${j}`);
      assert.equal(pending, 0);
    }
  }
});

test('byte by byte: the same frames; the message of each is its bytes without the prefix', () => {
  const { frames, lists } = decode([...STREAM].map((b) => Buffer.from([b])));
  assert.deepEqual(frames, [A, EMPTY, B]);
  assert.deepEqual(lists.map((f) => Buffer.concat(frameMessage(f, undefined, 100))), [A.subarray(5), Buffer.alloc(0), B.subarray(5)]);
});

test('a frame that spans chunks is handed out as subarrays of them, not a copy', () => {
  const chunks = [A.subarray(0, 3), A.subarray(3, 9), Buffer.concat([A.subarray(9), B.subarray(0, 2)]), B.subarray(2)];
  const { lists } = decode(chunks);
  assert.equal(lists.length, 2);
  const first = lists[0] as Frame;
  assert.equal(first.length, 3);
  assert.equal(first[0], chunks[0]);
  assert.equal((first[2] as Buffer).buffer, (chunks[2] as Buffer).buffer, 'the cut chunk shares memory');
  const message = frameMessage(first, 'identity', 100);
  assert.ok(Buffer.concat(message).equals(A.subarray(5)));
  assert.equal((message.at(-1) as Buffer).buffer, (chunks[2] as Buffer).buffer);
});

test('a single-chunk frame keeps the fast path (the chunk itself)', () => {
  const { lists } = decode([A]);
  assert.equal(lists[0]?.[0], A);
});

test('a truncated stream leaves its bytes pending, wherever it is cut', () => {
  for (let cut = 1; cut < A.length; cut++) {
    const { frames, pending } = decode([A.subarray(0, Math.min(cut, 2)), A.subarray(Math.min(cut, 2), cut)].filter((c) => c.length > 0));
    assert.deepEqual(frames, []);
    assert.equal(pending, cut);
  }
});

test('a message over the limit is refused from its prefix, even split across chunks, before its body arrives', () => {
  const big = Buffer.from([0, 0, 0, 0x01, 0x01]); // declares 257 bytes
  for (let cut = 0; cut <= 5; cut++) {
    assert.throws(
      () => decode([big.subarray(0, cut), big.subarray(cut)].filter((c) => c.length > 0), 256),
      (err: unknown) => err instanceof CallStatus && err.code === grpcStatus.RESOURCE_EXHAUSTED && err.message === 'Received message larger than max (257 vs 256)',
      `cut at ${cut}`,
    );
  }
  // Exactly at the limit: accepted.
  assert.equal(decode([frame(Buffer.alloc(256)).subarray(0, 3), frame(Buffer.alloc(256)).subarray(3)], 256).frames.length, 1);
});

test('a gzip-compressed message split across chunks is joined and inflated', () => {
  const message = Buffer.from('compressed across chunks '.repeat(20));
  const framed = frame(gzipSync(message), 1);
  for (const cut of [1, 4, 5, 6, 20, framed.length - 1]) {
    const [f] = decode([framed.subarray(0, cut), framed.subarray(cut)]).lists;
    assert.ok(Buffer.concat(frameMessage(f as Frame, 'gzip', 10_000)).equals(message), `cut at ${cut}`);
    assert.throws(() => frameMessage(f as Frame, 'gzip', 100), (err: unknown) => err instanceof CallStatus && err.code === grpcStatus.RESOURCE_EXHAUSTED);
    assert.throws(() => frameMessage(f as Frame, 'br', 10_000), (err: unknown) => err instanceof CallStatus && err.code === grpcStatus.UNIMPLEMENTED);
  }
});

test('a compressed message is refused past 256 MiB decompressed, whatever the message limit (a gzip bomb)', () => {
  // ~260 KB of gzip that would become 257 MiB.
  const bomb = gzipSync(Buffer.alloc(257 * 1024 * 1024), { level: 1 });
  const prefix = Buffer.from([1, 0, 0, 0, 0]);
  prefix.writeUInt32BE(bomb.length, 1);
  assert.throws(
    () => frameMessage([prefix, bomb], 'gzip', 2 ** 31 - 1),
    (err: unknown) => err instanceof CallStatus && err.code === 8 && err.message === `Received message that decompresses to a size larger than ${256 * 1024 * 1024}`,
  );
  // Within both bounds it decompresses.
  const small = gzipSync(Buffer.from('hello'));
  const p = Buffer.from([1, 0, 0, 0, 0]);
  p.writeUInt32BE(small.length, 1);
  assert.equal(Buffer.concat(frameMessage([p, small], 'gzip', 2 ** 31 - 1)).toString(), 'hello');
});
