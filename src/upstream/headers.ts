import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers never forwarded to a child: hop-by-hop headers (RFC 9110 section 7.6.1), those the client
 * library recomputes (host, content-length), and content-type, which is the payload's own. Seldon
 * forwarded every other header (section 11), and so do we.
 */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'host', 'content-length', 'content-type', 'content-encoding', 'expect', 'http2-settings',
]);

/**
 * The downstream request headers to forward to every child call of this request, computed once per
 * request. Also drops any header the client named in `Connection`, and sets `seldon-puid`.
 */
export function forwardHeaders(incoming: IncomingHttpHeaders, puid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = incoming.connection;
  const extra = named === undefined ? undefined : new Set(named.toLowerCase().split(',').map((s) => s.trim()));
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || NOT_FORWARDED.has(name) || extra?.has(name) === true) continue;
    out[name] = value;
  }
  out['seldon-puid'] = puid;
  return out;
}
