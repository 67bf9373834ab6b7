import type { Metadata } from '@grpc/grpc-js';

/**
 * Incoming gRPC metadata as the header map forwarded to children (section 11: every incoming pair goes
 * to every child call). `-bin` values travel base64-encoded and are decoded again for gRPC children.
 */
export function metadataToHeaders(metadata: Metadata, puid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    const strings = values.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
    out[key] = strings.length === 1 ? (strings[0] as string) : strings;
  }
  out['seldon-puid'] = puid;
  return out;
}
