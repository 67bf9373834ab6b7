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

/** Chunks appended between two checks of appendChunk. */
const CHECK_EVERY = 1024;
/** Below this average size, the chunks appended since the last check are joined into one. */
const SMALL_AVERAGE = 1024;

/**
 * Appends a chunk to a list that collects a message, and returns the new `mark` (pass 0 for a new
 * list, then what the last call returned). A peer can send a body in 1-byte pieces (HTTP/1 chunks,
 * HTTP/2 DATA frames), and each piece held as its own Buffer costs ~100 bytes of objects and keeps
 * the whole socket read it came from alive: 100 MB sent that way took 6.7 GB. So every CHECK_EVERY
 * chunks, if those average under SMALL_AVERAGE bytes, they are copied into one; each byte is copied
 * at most once, and the usual chunks (64 KiB socket reads, 16 KiB DATA frames) never are. Empty
 * chunks are dropped.
 */
export function appendChunk(chunks: Buffer[], chunk: Buffer, mark: number): number {
  if (chunk.length === 0) return mark;
  chunks.push(chunk);
  const n = chunks.length;
  if (n - mark < CHECK_EVERY) return mark;
  let size = 0;
  for (let i = mark; i < n; i++) size += (chunks[i] as Buffer).length;
  if (size < CHECK_EVERY * SMALL_AVERAGE) {
    const joined = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (let i = mark; i < n; i++) at += (chunks[i] as Buffer).copy(joined, at);
    chunks.length = mark;
    chunks.push(joined);
  }
  return chunks.length;
}
