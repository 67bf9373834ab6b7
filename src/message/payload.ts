import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { engineError } from '../errors';

/** Largest body a Content-Encoding (or a compressed gRPC message) is decoded to: a bound on decompression bombs. */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** The Seldon protobuf messages a payload can hold (package seldon.protos). */
export type SeldonMessageType = 'SeldonMessage' | 'Feedback' | 'SeldonMessageList' | 'SeldonModelMetadataRequest' | 'SeldonModelMetadata' | 'SeldonGraphMetadata';

/** Converts a Seldon message between its JSON form and protobuf binary (protocols/seldon implements it). */
export interface ProtoCodec {
  toProto(type: SeldonMessageType, json: unknown): Buffer;
  toJson(type: SeldonMessageType, bytes: Uint8Array): unknown;
}

/** Content type of protobuf payloads (as Seldon's payload logger names them). */
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** Set for a payload whose body is protobuf binary. */
export interface ProtoForm {
  readonly type: SeldonMessageType;
  readonly codec: ProtoCodec;
}

/**
 * One message travelling through the graph, kept as the bytes it arrived in: JSON text (REST) or
 * protobuf binary (gRPC). Nodes that only forward never look inside; a node that must read it calls
 * `json()`, which decodes once and caches. A node whose transport needs the other form calls
 * `asJson()` / `asProto()`, which transcode once and cache, so a fan-out converts only once.
 */
export class Payload {
  /** The bytes as they arrived (socket reads); joined into `body` only when something reads it. */
  readonly #chunks: readonly Buffer[];
  #body: Buffer | undefined;
  /** Content-Type the bytes were sent with ('' when none). */
  readonly contentType: string;
  /** Content-Encoding the bytes were sent with ('' when none, e.g. 'gzip'). */
  readonly contentEncoding: string;
  /** Present when the body is protobuf binary. */
  readonly proto: ProtoForm | undefined;
  /** The graph node whose child server answered this payload; undefined for the caller's request and built-ins. */
  readonly origin: string | undefined;
  #json: unknown;
  #parsed = false;
  #transcoded: Payload | undefined;
  /** The most bytes its Content-Encoding may decode to (a caller's request: `--max_body_bytes`). */
  #maxDecodedBytes = MAX_DECODED_BYTES;

  /**
   * `body`: one Buffer, or the chunks a large body arrived in. A chunk list is kept as is so that a
   * payload only forwarded is never copied into one buffer (a 1 MB join costs a copy and a fresh
   * allocation the GC then has to reclaim).
   */
  constructor(body: Buffer | readonly Buffer[], contentType: string, contentEncoding = '', proto?: ProtoForm, origin?: string) {
    if (Buffer.isBuffer(body)) {
      this.#body = body;
      this.#chunks = [body];
    } else {
      this.#chunks = body;
      if (body.length === 1) this.#body = body[0];
    }
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.proto = proto;
    this.origin = origin;
  }

  /** The whole body as one Buffer (joined once, on first use). */
  get body(): Buffer {
    return (this.#body ??= Buffer.concat(this.#chunks));
  }

  /** The body as chunks, without joining them: for writing it out (the same bytes as `body`). */
  get chunks(): readonly Buffer[] {
    return this.#chunks;
  }

  /** Body length in bytes. */
  get size(): number {
    if (this.#body !== undefined) return this.#body.length;
    let n = 0;
    for (const c of this.#chunks) n += c.length;
    return n;
  }

  /**
   * A protobuf payload (gRPC); `origin` is the node whose child answered it. `body` may be the chunks
   * the message arrived in: they are kept, and joined only if something reads `body`.
   */
  static fromProto(body: Buffer | readonly Buffer[], type: SeldonMessageType, codec: ProtoCodec, origin?: string): Payload {
    return new Payload(body, PROTOBUF_CONTENT_TYPE, '', { type, codec }, origin);
  }

  /**
   * A caller's request body as received (REST): its Content-Encoding may decode to at most
   * `maxDecodedBytes`, the limit its bytes had on the wire, so a small compressed body cannot become
   * a larger one than the engine would have accepted uncompressed.
   */
  static received(body: readonly Buffer[], contentType: string, contentEncoding: string, maxDecodedBytes: number): Payload {
    const p = new Payload(body, contentType, contentEncoding);
    p.#maxDecodedBytes = Math.min(maxDecodedBytes, MAX_DECODED_BYTES);
    return p;
  }

  /** A JSON payload built by the engine itself (built-ins, errors). */
  static fromJson(value: unknown): Payload {
    const p = new Payload(Buffer.from(JSON.stringify(value)), 'application/json');
    p.#json = value;
    p.#parsed = true;
    return p;
  }

  /**
   * The body decoded to its JSON value. A protobuf body is decoded through its codec; a form body
   * (`application/x-www-form-urlencoded`) from its `json` field, or as a whole when it has none, as
   * Seldon's Python wrapper reads it.
   * Throws BAD_REQUEST_JSON (BAD_REQUEST_PROTOBUF for protobuf bytes) naming `what` when the bytes
   * cannot be read; callers that read a child's answer convert that to CHILD_BAD_RESPONSE.
   */
  json(what = 'request body'): unknown {
    if (this.#parsed) return this.#json;
    if (this.proto !== undefined) {
      this.#json = this.proto.codec.toJson(this.proto.type, this.body);
    } else {
      const bytes = this.decodedBody(what);
      const text = isFormEncoded(this.contentType) ? formJsonField(bytes) : bytes.toString('utf8');
      try {
        this.#json = JSON.parse(text);
      } catch (err) {
        throw engineError('BAD_REQUEST_JSON', `${what} is not valid JSON: ${(err as Error).message}`);
      }
    }
    this.#parsed = true;
    return this.#json;
  }

  /** This payload as JSON text: itself when it is not protobuf, else transcoded (once). */
  asJson(what = 'message'): Payload {
    if (this.proto === undefined) return this;
    if (this.#transcoded === undefined) {
      const json = this.json(what);
      const p = new Payload(Buffer.from(JSON.stringify(json)), 'application/json', '', undefined, this.origin);
      p.#json = json;
      p.#parsed = true;
      this.#transcoded = p;
    }
    return this.#transcoded;
  }

  /**
   * The JSON text of this payload, as bytes: a protobuf body transcoded, a form body's `json` field
   * (see formJsonField), else the body with its Content-Encoding undone. For what embeds the
   * message in JSON of its own (a combiner's input list).
   */
  jsonText(what = 'message'): Buffer {
    if (this.proto !== undefined) return this.asJson(what).body;
    const bytes = this.decodedBody(what);
    return isFormEncoded(this.contentType) ? Buffer.from(formJsonField(bytes)) : bytes;
  }

  /** This payload as protobuf `type`: itself when it already is, else transcoded (once). */
  asProto(type: SeldonMessageType, codec: ProtoCodec, what = 'message'): Payload {
    if (this.proto?.type === type) return this;
    const cached = this.#transcoded;
    if (cached?.proto?.type === type) return cached;
    const p = Payload.fromProto(codec.toProto(type, this.json(what)), type, codec, this.origin);
    this.#transcoded = p;
    return p;
  }

  /**
   * The body with its Content-Encoding (gzip, deflate, br) undone, within a size bound: past it,
   * PAYLOAD_TOO_LARGE. zlib stops there, so a decompression bomb costs no more than a body of that
   * size would (decoding is synchronous: the bound also bounds the time it holds the event loop).
   */
  decodedBody(what = 'request body'): Buffer {
    const encoding = this.contentEncoding.toLowerCase();
    if (encoding === '' || encoding === 'identity') return this.body;
    const options = { maxOutputLength: this.#maxDecodedBytes };
    try {
      if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(this.body, options);
      if (encoding === 'deflate') return inflateSync(this.body, options);
      if (encoding === 'br') return brotliDecompressSync(this.body, options);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw engineError('PAYLOAD_TOO_LARGE', `${what} decodes from ${encoding} to more than ${this.#maxDecodedBytes} bytes`);
      }
      throw engineError('BAD_REQUEST_JSON', `${what} could not be decoded from ${encoding}: ${(err as Error).message}`);
    }
    throw engineError('UNSUPPORTED_MEDIA_TYPE', `${what} has Content-Encoding ${this.contentEncoding}, which the engine cannot decode`);
  }
}

function isFormEncoded(contentType: string): boolean {
  return contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/**
 * The JSON text of a form body: its `json` field, else the body itself, as Seldon's Python wrapper
 * reads it (`request.get_json(force=True)`): `curl -d '{...}'` sends JSON with the form content type.
 */
function formJsonField(body: Buffer): string {
  const text = body.toString('utf8');
  return new URLSearchParams(text).get('json') ?? text;
}

/** True when the engine can read a body of this content type as JSON: JSON text, or a form (see formJsonField). */
export function isReadableAsJson(contentType: string): boolean {
  return isJsonContentType(contentType) || isFormEncoded(contentType);
}

/** True when a body of this content type is JSON text the engine may read. */
export function isJsonContentType(contentType: string): boolean {
  if (contentType === '') return true;
  const ct = contentType.toLowerCase();
  return ct.startsWith('application/json') || ct.includes('+json') || ct.startsWith('text/plain');
}
