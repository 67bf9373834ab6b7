/**
 * The status line and headers of one HTTP/1.1 answer (RFC 9112 sections 4 and 5), as far as a child
 * call needs them: the status, what frames the body, whether the connection may be reused, and the
 * content headers. Header names are checked to be tokens; values are trimmed of spaces and tabs
 * only. The caller has already refused control characters and bare CR/LF in the whole head.
 */
export interface AnswerHead {
  readonly status: number;
  /** HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`. */
  readonly keepAlive: boolean;
  /** '' when absent. */
  readonly contentType: string;
  /** '' when absent. */
  readonly contentEncoding: string;
  readonly contentLength: number | undefined;
  /** The Transfer-Encoding header(s), lower-cased and joined with ', '; undefined when absent. */
  readonly transferEncoding: string | undefined;
  /** The server's `Keep-Alive: timeout=N` in ms, or undefined. */
  readonly keepAliveMs: number | undefined;
}

/** A child's bytes are not an HTTP/1.1 answer. */
export class H1ResponseError extends Error {
  override name = 'H1ResponseError';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/;
const DIGITS = /^\d{1,15}$/;
/** Optional whitespace around a header value: spaces and tabs only (String#trim would take more). */
const OWS = /^[ \t]+|[ \t]+$/g;

/** Parses `text`, the head up to (not including) its final CRLFCRLF. Throws H1ResponseError. */
export function parseHead(text: string): AnswerHead {
  let eol = text.indexOf('\r\n');
  if (eol === -1) eol = text.length;
  const statusLine = STATUS_LINE.exec(text.slice(0, eol));
  if (statusLine === null) throw new H1ResponseError(`not an HTTP/1.x status line: ${JSON.stringify(text.slice(0, Math.min(eol, 80)))}`);
  const head = {
    status: Number(statusLine[2]),
    keepAlive: statusLine[1] === '1',
    contentType: '',
    contentEncoding: '',
    contentLength: undefined as number | undefined,
    transferEncoding: undefined as string | undefined,
    keepAliveMs: undefined as number | undefined,
  };
  for (let pos = eol + 2; pos < text.length;) {
    let next = text.indexOf('\r\n', pos);
    if (next === -1) next = text.length;
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon > next) throw new H1ResponseError(`header line without a colon: ${JSON.stringify(text.slice(pos, Math.min(next, pos + 80)))}`);
    const name = text.slice(pos, colon);
    if (!TOKEN.test(name)) throw new H1ResponseError(`bad header name ${JSON.stringify(name.slice(0, 80))}`);
    readField(head, name, text.slice(colon + 1, next).replace(OWS, ''));
    pos = next + 2;
  }
  return head;
}

type MutableHead = { -readonly [K in keyof AnswerHead]: AnswerHead[K] };

/** Records one header field if it is one a child call reads; others are skipped. */
function readField(head: MutableHead, name: string, value: string): void {
  // By length first: most headers (Date, Server...) are skipped without lower-casing their name.
  switch (name.length) {
    case 10:
      if (name.toLowerCase() === 'connection') {
        const tokens = value.toLowerCase();
        if (/(?:^|,)[ \t]*close[ \t]*(?:,|$)/.test(tokens)) head.keepAlive = false;
        else if (/(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/.test(tokens)) head.keepAlive = true;
      } else if (name.toLowerCase() === 'keep-alive') {
        const timeout = /(?:^|[,;][ \t]*)timeout=(\d{1,9})/i.exec(value);
        if (timeout !== null) head.keepAliveMs = Number(timeout[1]) * 1000;
      }
      return;
    case 12:
      if (name.toLowerCase() === 'content-type' && head.contentType === '') head.contentType = value;
      return;
    case 14:
      if (name.toLowerCase() === 'content-length') {
        if (!DIGITS.test(value)) throw new H1ResponseError(`bad Content-Length ${JSON.stringify(value.slice(0, 80))}`);
        const length = Number(value);
        if (head.contentLength !== undefined && head.contentLength !== length) throw new H1ResponseError('two different Content-Length headers');
        head.contentLength = length;
      }
      return;
    case 16:
      if (name.toLowerCase() === 'content-encoding' && head.contentEncoding === '') head.contentEncoding = value;
      return;
    case 17:
      if (name.toLowerCase() === 'transfer-encoding') {
        const codings = value.toLowerCase();
        head.transferEncoding = head.transferEncoding === undefined ? codings : `${head.transferEncoding}, ${codings}`;
      }
      return;
  }
}
