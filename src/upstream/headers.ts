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

/** False for the headers a child request writes itself or that are hop-by-hop (NOT_FORWARDED). */
export function isForwardable(name: string): boolean {
  return !NOT_FORWARDED.has(name);
}

/**
 * The downstream request headers to forward to every child call of this request, computed once per
 * request. Also drops any header the client named in `Connection`, and sets `seldon-puid`.
 */
export function forwardHeaders(incoming: IncomingHttpHeaders, puid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const extra = connectionNamed(incoming.connection);
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || NOT_FORWARDED.has(name) || extra?.has(name) === true) continue;
    out[name] = value;
  }
  out['seldon-puid'] = puid;
  return out;
}

/**
 * The headers a `Connection` value names (RFC 9110 section 7.6.1), undefined when it names none
 * beyond those never forwarded: the usual `keep-alive` or `close` needs no set on every request.
 */
function connectionNamed(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') return undefined;
  return new Set(value.toLowerCase().split(',').map((s) => s.trim()));
}
