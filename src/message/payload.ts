import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { engineError } from '../errors';

/** Largest body the engine inflates to read it (a gzip bomb stops here). */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;

/**
 * One message travelling through the graph, kept as the bytes it arrived in. Nodes that only forward
 * never look inside; a node that must read it calls `json()`, which parses once and caches.
 */
export class Payload {
  readonly body: Buffer;
  /** Content-Type the bytes were sent with ('' when none). */
  readonly contentType: string;
  /** Content-Encoding the bytes were sent with ('' when none, e.g. 'gzip'). */
  readonly contentEncoding: string;
  #json: unknown;
  #parsed = false;

  constructor(body: Buffer, contentType: string, contentEncoding = '') {
    this.body = body;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
  }

  /** A JSON payload built by the engine itself (built-ins, errors). */
  static fromJson(value: unknown): Payload {
    const p = new Payload(Buffer.from(JSON.stringify(value)), 'application/json');
    p.#json = value;
    p.#parsed = true;
    return p;
  }

  /**
   * The body decoded as JSON. A form body (`application/x-www-form-urlencoded`) is decoded from its
   * `json` field, as Seldon's Python wrapper accepts it. Throws BAD_REQUEST_JSON naming `what` when the
   * bytes are not JSON; callers that read a child's answer convert that to CHILD_BAD_RESPONSE.
   */
  json(what = 'request body'): unknown {
    if (this.#parsed) return this.#json;
    const bytes = this.decodedBody(what);
    const text = isFormEncoded(this.contentType) ? formJsonField(bytes, what) : bytes.toString('utf8');
    try {
      this.#json = JSON.parse(text);
    } catch (err) {
      throw engineError('BAD_REQUEST_JSON', `${what} is not valid JSON: ${(err as Error).message}`);
    }
    this.#parsed = true;
    return this.#json;
  }

  /** The body with its Content-Encoding (gzip, deflate, br) undone, within a size bound. */
  decodedBody(what = 'request body'): Buffer {
    const encoding = this.contentEncoding.toLowerCase();
    if (encoding === '' || encoding === 'identity') return this.body;
    const options = { maxOutputLength: MAX_DECODED_BYTES };
    try {
      if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(this.body, options);
      if (encoding === 'deflate') return inflateSync(this.body, options);
      if (encoding === 'br') return brotliDecompressSync(this.body, options);
    } catch (err) {
      throw engineError('BAD_REQUEST_JSON', `${what} could not be decoded from ${encoding}: ${(err as Error).message}`);
    }
    throw engineError('UNSUPPORTED_MEDIA_TYPE', `${what} has Content-Encoding ${this.contentEncoding}, which the engine cannot decode`);
  }
}

function isFormEncoded(contentType: string): boolean {
  return contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function formJsonField(body: Buffer, what: string): string {
  const json = new URLSearchParams(body.toString('utf8')).get('json');
  if (json === null) throw engineError('BAD_REQUEST_JSON', `${what} is form-encoded but has no json field`);
  return json;
}

/** True when a body of this content type is JSON text the engine may read. */
export function isJsonContentType(contentType: string): boolean {
  if (contentType === '') return true;
  const ct = contentType.toLowerCase();
  return ct.startsWith('application/json') || ct.includes('+json') || ct.startsWith('text/plain');
}
