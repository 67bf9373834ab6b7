import type { IncomingHttpHeaders } from 'node:http2';

/**
 * Request headers that are the gRPC transport's own, not the caller's metadata: grpc-js removes the
 * same ones before a handler sees the metadata.
 */
const TRANSPORT_HEADERS = new Set(['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type']);

/**
 * Incoming gRPC metadata (the call's HTTP/2 headers) as the header map forwarded to children (section
 * 11: every incoming pair goes to every child call). Pseudo-headers and transport headers are left
 * out; `-bin` values stay base64-encoded, as they travel, and are decoded again for gRPC children.
 */
export function metadataToHeaders(headers: IncomingHttpHeaders, puid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    if (key.charCodeAt(0) === 58 /* ':' */ || TRANSPORT_HEADERS.has(key)) continue;
    const value = headers[key];
    if (value !== undefined) out[key] = value;
  }
  out['seldon-puid'] = puid;
  return out;
}
