/**
 * A message held as the chunks it arrived in (socket reads, or subarrays of them), read and cut
 * without joining them: a 1 MiB join is a copy and an off-heap allocation the GC then has to reclaim
 * (~3 ms of GC per 1 MiB gRPC request when every message was joined twice).
 */

/** Total length of the chunks. */
export function chunksLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** The byte at `pos` (which must be below `chunksLength(chunks)`). */
export function byteAt(chunks: readonly Uint8Array[], pos: number): number {
  let at = pos;
  for (const c of chunks) {
    if (at < c.length) return c[at] as number;
    at -= c.length;
  }
  throw new RangeError(`byte ${pos} is past the end of the chunks`);
}

/** The big-endian uint32 at `pos` (its 4 bytes may lie in different chunks). */
export function uint32At(chunks: readonly Buffer[], pos: number): number {
  const first = chunks[0];
  // Fast path: all 4 bytes in the first chunk (the prefix of every message but a split one).
  if (first !== undefined && first.length >= pos + 4) return first.readUInt32BE(pos);
  return ((byteAt(chunks, pos) << 24) >>> 0) + (byteAt(chunks, pos + 1) << 16) + (byteAt(chunks, pos + 2) << 8) + byteAt(chunks, pos + 3);
}

/** Bytes `start` to `end` (at most the total length) as subarrays of the chunks: no copy, no empty chunk. */
export function sliceChunks(chunks: readonly Buffer[], start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  if (start >= end) return out;
  let offset = 0;
  for (const c of chunks) {
    const next = offset + c.length;
    if (next > start && offset < end && c.length > 0) out.push(offset >= start && next <= end ? c : c.subarray(Math.max(0, start - offset), Math.min(c.length, end - offset)));
    if (next >= end) break;
    offset = next;
  }
  return out;
}

/** One Buffer with all the bytes: for what needs them contiguous (decompression, decoding). */
export function joinChunks(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
