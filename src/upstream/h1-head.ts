/**
 * The status line and headers of one HTTP/1.1 answer (RFC 9112 sections 4 and 5), as far as a child
 * call needs them: the status, what frames the body, whether the connection may be reused, and the
 * content headers. Header names are checked to be tokens; the head may hold no control character
 * and no bare CR or LF; values are trimmed of spaces and tabs only, and only those read.
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
/** A control character other than tab, CR and LF (checked per line), or DEL. */
const CTL = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** Parses `text`, the head up to (not including) its final CRLFCRLF. Throws H1ResponseError. */
export function parseHead(text: string): AnswerHead {
  if (CTL.test(text)) throw badHead(text);
  let eol = text.indexOf('\r\n');
  if (eol === -1) eol = text.length;
  checkLineEnds(text, 0, eol);
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
    checkLineEnds(text, pos, next);
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon > next) throw new H1ResponseError(`header line without a colon: ${JSON.stringify(text.slice(pos, Math.min(next, pos + 80)))}`);
    const name = text.slice(pos, colon);
    if (!TOKEN.test(name)) throw new H1ResponseError(`bad header name ${JSON.stringify(name.slice(0, 80))}`);
    readField(head, name, text, colon + 1, next);
    pos = next + 2;
  }
  return head;
}

type MutableHead = { -readonly [K in keyof AnswerHead]: AnswerHead[K] };

/**
 * A line (from `start` to `end`, where its CRLF starts) must hold no other CR or LF: a bare one would
 * end a line where another parser would not (llhttp refuses them too).
 */
function checkLineEnds(text: string, start: number, end: number): void {
  const cr = text.indexOf('\r', start);
  const lf = text.indexOf('\n', start);
  if ((cr !== -1 && cr < end) || (lf !== -1 && lf < end)) throw badHead(text);
}

function badHead(text: string): H1ResponseError {
  return new H1ResponseError(`the answer head holds a control character or a bare CR or LF: ${JSON.stringify(text.slice(0, 200))}`);
}

/** The value of a header the engine reads, without the spaces and tabs around it (String#trim would take more). */
function fieldValue(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
  return text.slice(from, to);
}

/** Records one header field if it is one a child call reads; others are skipped. */
function readField(head: MutableHead, name: string, text: string, start: number, end: number): void {
  // By length first: most headers (Date, Server...) are skipped without lower-casing their name.
  switch (name.length) {
    case 10:
      if (name.toLowerCase() === 'connection') {
        const tokens = fieldValue(text, start, end).toLowerCase();
        if (/(?:^|,)[ \t]*close[ \t]*(?:,|$)/.test(tokens)) head.keepAlive = false;
        else if (/(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/.test(tokens)) head.keepAlive = true;
      } else if (name.toLowerCase() === 'keep-alive') {
        const timeout = /(?:^|[,;][ \t]*)timeout=(\d{1,9})/i.exec(fieldValue(text, start, end));
        if (timeout !== null) head.keepAliveMs = Number(timeout[1]) * 1000;
      }
      return;
    case 12:
      if (name.toLowerCase() === 'content-type' && head.contentType === '') head.contentType = fieldValue(text, start, end);
      return;
    case 14:
      if (name.toLowerCase() === 'content-length') {
        const value = fieldValue(text, start, end);
        if (!DIGITS.test(value)) throw new H1ResponseError(`bad Content-Length ${JSON.stringify(value.slice(0, 80))}`);
        const length = Number(value);
        if (head.contentLength !== undefined && head.contentLength !== length) throw new H1ResponseError('two different Content-Length headers');
        head.contentLength = length;
      }
      return;
    case 16:
      if (name.toLowerCase() === 'content-encoding' && head.contentEncoding === '') head.contentEncoding = fieldValue(text, start, end);
      return;
    case 17:
      if (name.toLowerCase() === 'transfer-encoding') {
        const codings = fieldValue(text, start, end).toLowerCase();
        head.transferEncoding = head.transferEncoding === undefined ? codings : `${head.transferEncoding}, ${codings}`;
      }
      return;
  }
}
