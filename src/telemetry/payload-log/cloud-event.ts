/**
 * The CloudEvent a payload-log sink receives (seldon-executor.md section 8): HTTP binary mode,
 * spec 1.0, body = the payload bytes. Pure functions, so the builder can be fuzzed on its own (R10).
 */
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib';
import { PROTOBUF_CONTENT_TYPE, type Payload } from '../../message/payload';

/** What a log entry records: the input of a node, its output, or a feedback message. */
export type PayloadLogType = 'request' | 'response' | 'feedback';

/** One payload to log, as the graph walk hands it over. */
export interface PayloadLogEvent {
  readonly type: PayloadLogType;
  /** Graph node name, sent as `Ce-Modelid`. */
  readonly node: string;
  /** Request id (puid), sent as `Ce-Requestid`. */
  readonly puid: string;
  /** Sink URL, already resolved: the node's `logger.url`, else `REQUEST_LOGGER_DEFAULT_ENDPOINT`. */
  readonly url: string;
  readonly payload: Payload;
}

/** The `Ce-Type` of each log type (the Go executor's constants). */
export const CLOUD_EVENT_TYPES: Readonly<Record<PayloadLogType, string>> = {
  request: 'io.seldon.serving.inference.request',
  response: 'io.seldon.serving.inference.response',
  feedback: 'io.seldon.serving.feedback',
};

/** Fixed per-process attributes of every event. */
export interface SinkIdentity {
  /** `Ce-Source`: the executor's server URL (`http://<hostname>:<http_port>/`). */
  readonly source: string;
  /** `Ce-Inferenceservicename`: the SeldonDeployment name (`--sdep`). */
  readonly inferenceServiceName: string;
  /** `Ce-Namespace`. */
  readonly namespace: string;
  /** `Ce-Endpoint`: the predictor name. */
  readonly endpoint: string;
  /** `Ce-Protocol`: the `--protocol` flag value. */
  readonly protocol: string;
}

/**
 * The headers of one event. `id` stays the same across retries of one event, so a sink that
 * deduplicates on (source, id), as CloudEvents allows, sees a retry as the same event.
 */
export function cloudEventHeaders(event: PayloadLogEvent, identity: SinkIdentity, id: string, time: Date): Record<string, string> {
  return {
    'content-type': contentTypeOf(event.payload),
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': CLOUD_EVENT_TYPES[event.type],
    'ce-source': encodeAttribute(identity.source),
    'ce-time': time.toISOString(),
    'ce-modelid': encodeAttribute(event.node),
    'ce-requestid': encodeAttribute(event.puid),
    'ce-inferenceservicename': encodeAttribute(identity.inferenceServiceName),
    'ce-namespace': encodeAttribute(identity.namespace),
    'ce-endpoint': encodeAttribute(identity.endpoint),
    'ce-protocol': encodeAttribute(identity.protocol),
  };
}

// Characters the CloudEvents HTTP binding (3.1.3.2) requires to be percent-encoded in ce-* values:
// space, '"', '%', and anything outside printable ASCII. Ordinary names never contain them, so the
// common case is one regex test and the value unchanged (what Seldon's Go SDK sends).
const NEEDS_ENCODING = /[^\x21\x23-\x24\x26-\x7e]/;

/** A ce-* attribute value as the HTTP binding requires it (UTF-8 percent-encoding where needed). */
export function encodeAttribute(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%') {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// What undici accepts in a header value; a Content-Type outside it would make the POST throw.
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Content-Type of the logged bytes: protobuf for gRPC payloads, JSON when the payload has none. */
export function contentTypeOf(payload: Payload): string {
  if (payload.proto !== undefined) return PROTOBUF_CONTENT_TYPE;
  const ct = payload.contentType.trim();
  if (ct === '') return 'application/json';
  return INVALID_HEADER_VALUE.test(ct) ? 'application/octet-stream' : ct;
}

type Inflater = (buf: Buffer, options: ZlibOptions, cb: (err: Error | null, result: Buffer) => void) => void;

const INFLATERS: Readonly<Record<string, Inflater>> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: inflate,
  br: brotliDecompress as Inflater,
};

/**
 * The bytes to send: the body with its Content-Encoding undone, as Seldon does for gzip. Runs on
 * the zlib thread pool (never the event loop, unlike Payload.decodedBody) and stops at `maxBytes`,
 * so a compression bomb costs at most that much memory per worker. Rejects on a corrupt body, an
 * unknown encoding or an output over the bound.
 */
export function decodeForLog(payload: Payload, maxBytes: number): Promise<Buffer> {
  const encoding = payload.contentEncoding.trim().toLowerCase();
  if (payload.proto !== undefined || encoding === '' || encoding === 'identity') return Promise.resolve(payload.body);
  const inflater = INFLATERS[encoding];
  if (inflater === undefined) return Promise.reject(new Error(`unsupported Content-Encoding "${payload.contentEncoding}"`));
  return new Promise<Buffer>((resolve, reject) => {
    inflater(payload.body, { maxOutputLength: maxBytes }, (err, out) => (err === null ? resolve(out) : reject(err)));
  });
}
