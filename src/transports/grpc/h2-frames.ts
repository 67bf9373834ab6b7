import { gunzipSync, inflateSync } from 'node:zlib';
import { GRPC } from '../../errors';
import { appendChunk, chunksLength, joinChunks, sliceChunks, uint32At } from '../../message/chunks';
import { MAX_DECODED_BYTES } from '../../message/payload';

/**
 * gRPC length-prefixed messages on a raw HTTP/2 stream (gRPC over HTTP/2 spec, "Length-Prefixed-Message"):
 * 1 byte compressed flag, 4 bytes big-endian length, the message.
 */

/** A gRPC status to answer instead of going on (the caller's fault or an unsupported request). */
export class CallStatus extends Error {
  readonly code: number;

  constructor(code: number, details: string) {
    super(details);
    this.code = code;
  }
}

const PREFIX = 5;

/**
 * One whole frame (prefix included) as the DATA chunks it arrived in, or subarrays of them: a large
 * message is never joined into one buffer on its way through (see message/chunks.ts).
 */
export type Frame = readonly Buffer[];

/**
 * Splits DATA chunks into whole frames (prefix included), refusing a message whose prefix declares
 * more than `maxBytes` (grpc-js's RESOURCE_EXHAUSTED and wording) before it is buffered.
 */
export class FrameDecoder {
  readonly #maxBytes: number;
  #chunks: Buffer[] = [];
  /** appendChunk's mark in #chunks. */
  #mark = 0;
  #buffered = 0;
  /** Size of the frame being read, prefix included; -1 until its prefix is in. */
  #frame = -1;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes of an unfinished frame still held (non-zero at the end of a stream: a truncated message). */
  get pending(): number {
    return this.#buffered;
  }

  /** Adds a chunk; pushes every frame it completes to `out`. Throws CallStatus for a too large message. */
  push(chunk: Buffer, out: Frame[]): void {
    if (chunk.length === 0) return;
    // Fast path: nothing held and the chunk is exactly one frame (every small unary request).
    if (this.#buffered === 0 && chunk.length >= PREFIX) {
      const size = this.#check(chunk.readUInt32BE(1));
      if (chunk.length === size) {
        out.push([chunk]);
        return;
      }
    }
    this.#mark = appendChunk(this.#chunks, chunk, this.#mark);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#frame < 0) {
        if (this.#buffered < PREFIX) return;
        this.#frame = this.#check(uint32At(this.#chunks, 1));
      }
      if (this.#buffered < this.#frame) return;
      out.push(this.#take(this.#frame));
      this.#frame = -1;
    }
  }

  #check(length: number): number {
    if (length > this.#maxBytes) throw new CallStatus(GRPC.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs ${this.#maxBytes})`);
    return PREFIX + length;
  }

  /** The first `size` bytes held, as chunks (the last one cut if the next frame starts in it). */
  #take(size: number): Frame {
    const chunks = this.#chunks;
    this.#buffered -= size;
    if (this.#buffered === 0) {
      // The frame is all that is held (the usual end of a large message): hand over the list itself.
      this.#chunks = [];
      this.#mark = 0;
      return chunks;
    }
    const frame: Buffer[] = [];
    let need = size;
    let used = 0;
    while (need > 0) {
      const c = chunks[used] as Buffer;
      if (c.length <= need) {
        frame.push(c);
        need -= c.length;
        used++;
      } else {
        frame.push(c.subarray(0, need));
        chunks[used] = c.subarray(need);
        need = 0;
      }
    }
    this.#chunks = used === 0 ? chunks : chunks.slice(used);
    this.#mark = Math.max(0, this.#mark - used);
    return frame;
  }
}

/**
 * The message of a frame, as chunks: as is, or decompressed with the call's `grpc-encoding` (gzip and
 * deflate, as grpc-js servers accept), bounded after decompression by `maxBytes` and by
 * MAX_DECODED_BYTES (the default limit is Seldon's 2 GiB: a 2 MB gzip request must not become 2 GB
 * of memory). Only a compressed message (rare: we answer identity) is joined, to be inflated.
 */
export function frameMessage(frame: Frame, encoding: string | undefined, messageLimit: number): readonly Buffer[] {
  const maxBytes = Math.min(messageLimit, MAX_DECODED_BYTES);
  const first = frame[0] as Buffer;
  const message = frame.length === 1 ? [first.subarray(PREFIX)] : sliceChunks(frame, PREFIX, chunksLength(frame));
  // grpc-js treats a compressed flag without an encoding as identity; so do we.
  if (first[0] === 0 || encoding === undefined || encoding === 'identity') return message;
  if (encoding !== 'gzip' && encoding !== 'deflate') throw new CallStatus(GRPC.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${encoding}"`);
  try {
    const limit = { maxOutputLength: Math.max(1, Math.min(maxBytes + 1, 2 ** 31 - 1)) };
    const joined = joinChunks(message);
    const out = encoding === 'gzip' ? gunzipSync(joined, limit) : inflateSync(joined, limit);
    if (out.length > maxBytes) throw new RangeError('too large');
    return [out];
  } catch (err) {
    if (err instanceof RangeError) throw new CallStatus(GRPC.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${maxBytes}`);
    throw new CallStatus(GRPC.INTERNAL, 'Failed to decompress message');
  }
}

/** One message as a frame (never compressed: we answer `grpc-encoding: identity`). */
export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(PREFIX + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, PREFIX);
  return out;
}
