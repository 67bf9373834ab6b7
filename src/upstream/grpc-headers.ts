import type { OutgoingHttpHeaders } from 'node:http2';

/**
 * Request headers of a gRPC child call over raw HTTP/2 (gRPC over HTTP/2 spec, "Requests"), and the
 * reading of a child's `grpc-message`.
 */

/**
 * Keys never forwarded as metadata: the ones the gRPC transport owns (grpc-go and grpc-js drop them
 * too) and hop-by-hop ones. `grpc-*` keys and pseudo-headers are dropped as well (see VALID_KEY).
 */
const RESERVED = new Set(['content-type', 'user-agent', 'te', 'host', 'connection', 'accept-encoding', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'proxy-connection', 'trailer', 'http2-settings']);
/** gRPC metadata keys: lower-case ASCII letters, digits, `_`, `-`, `.` (no pseudo-headers). */
const VALID_KEY = /^[0-9a-z_.-]+$/;
/** Non-binary metadata values: printable ASCII only (grpc-js refuses anything else). */
const VALID_VALUE = /^[ -~]*$/;

/** Sent on every call: the engine is the gRPC client, whatever the caller's own user agent was. */
const USER_AGENT = 'infergraph (node:http2)';

/**
 * The HTTP/2 headers of one unary call: the fixed gRPC ones, the deadline, and the downstream
 * headers / metadata forwarded as metadata (Seldon forwards every incoming pair, section 11).
 * Reserved and invalid keys and values that are not printable ASCII are dropped (grpc-js threw on
 * them); `-bin` values travel base64-encoded, re-encoded so a REST caller's value is valid base64.
 */
export function requestHeaders(method: string, timeoutMs: number, forwarded: Readonly<Record<string, string | string[]>>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': method,
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': grpcTimeout(timeoutMs),
    'user-agent': USER_AGENT,
  };
  for (const key in forwarded) {
    if (RESERVED.has(key) || key.startsWith('grpc-') || !VALID_KEY.test(key)) continue;
    const value = forwarded[key];
    if (value === undefined) continue;
    const binary = key.endsWith('-bin');
    if (typeof value === 'string') {
      if (binary) headers[key] = rebase64(value);
      else if (VALID_VALUE.test(value)) headers[key] = value;
      continue;
    }
    const values: string[] = [];
    for (const v of value) {
      if (binary) values.push(rebase64(v));
      else if (VALID_VALUE.test(v)) values.push(v);
    }
    if (values.length > 0) headers[key] = values;
  }
  return headers;
}

function rebase64(value: string): string {
  return Buffer.from(value, 'base64').toString('base64');
}

/** Units of `grpc-timeout`, smallest first: the value may have at most 8 digits. */
const UNITS: ReadonlyArray<readonly [unit: string, ms: number]> = [['m', 1], ['S', 1000], ['M', 60_000], ['H', 3_600_000]];

/** `grpc-timeout` for the time left (ms, rounded up so the child never sees less than we wait). */
export function grpcTimeout(ms: number): string {
  const left = Math.max(0, ms);
  for (const [unit, factor] of UNITS) {
    const amount = Math.ceil(left / factor);
    if (amount < 1e8) return `${amount}${unit}`;
  }
  return '99999999H';
}

/** A `grpc-message` value is percent-encoded (spec); grpc-js decodes with decodeURI, so do we. */
export function grpcMessage(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] ?? '' : value ?? '';
  if (!raw.includes('%')) return raw;
  try {
    return decodeURI(raw);
  } catch {
    return raw;
  }
}
