/**
 * The incremental HTTP/1.1 answer parser of REST child calls (src/upstream/h1-response.ts), fed
 * exact byte sequences, whole and split, through a sink that records what it is told.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { H1ResponseError, MAX_HEAD_BYTES, ResponseParser, type ResponseHead, type ResponseSink } from '../../../src/upstream/h1-response';

type Event = { readonly kind: 'head'; readonly head: ResponseHead } | { readonly kind: 'body'; readonly text: string } | { readonly kind: 'end'; readonly reusable: boolean };

/** A sink that records every call, in order (body chunks copied: the parser may hand out subarrays). */
class Recorder implements ResponseSink {
  readonly events: Event[] = [];

  onHead(head: ResponseHead): void {
    this.events.push({ kind: 'head', head: { ...head } });
  }

  onBody(chunk: Buffer): void {
    this.events.push({ kind: 'body', text: chunk.toString('latin1') });
  }

  onEnd(reusable: boolean): void {
    this.events.push({ kind: 'end', reusable });
  }

  /** Events with adjacent body chunks joined, so different splits of one answer compare equal. */
  get merged(): Event[] {
    const out: Event[] = [];
    for (const e of this.events) {
      const last = out[out.length - 1];
      if (e.kind === 'body' && last !== undefined && last.kind === 'body') out[out.length - 1] = { kind: 'body', text: last.text + e.text };
      else out.push(e);
    }
    return out;
  }

  get heads(): ResponseHead[] {
    return this.events.flatMap((e) => (e.kind === 'head' ? [e.head] : []));
  }

  get body(): string {
    return this.events.map((e) => (e.kind === 'body' ? e.text : '')).join('');
  }

  get ends(): boolean[] {
    return this.events.flatMap((e) => (e.kind === 'end' ? [e.reusable] : []));
  }
}

/** Feeds `input` in pieces of `step` bytes (whole when omitted); returns the parser and what it reported. */
function feed(input: string | Buffer, step?: number): { parser: ResponseParser; rec: Recorder } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const rec = new Recorder();
  const parser = new ResponseParser(rec);
  const size = step ?? Math.max(1, bytes.length);
  for (let at = 0; at < bytes.length; at += size) {
    // A fresh copy per read, as a socket's reads are distinct buffers.
    parser.execute(Buffer.from(bytes.subarray(at, at + size)));
  }
  return { parser, rec };
}

/** Asserts that feeding `input` throws an H1ResponseError whose message matches `pattern`. */
function throwsH1(input: string | Buffer, pattern: RegExp, step?: number): void {
  assert.throws(() => feed(input, step), (err: unknown) => {
    assert.ok(err instanceof H1ResponseError, `not an H1ResponseError: ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

function head(status: number, extra: Partial<ResponseHead> = {}): ResponseHead {
  return { status, contentType: '', contentEncoding: '', keepAliveMs: undefined, contentLength: undefined, ...extra };
}

const OK_ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

const CHUNKED = 'HTTP/1.1 200 OK\r\n'
  + 'Content-Type: application/json\r\n'
  + 'Transfer-Encoding: chunked\r\n'
  + '\r\n'
  + '5;name=value;other\r\n'
  + 'hello\r\n'
  + '1 ; ext="quoted"\r\n'
  + ',\r\n'
  + '6\r\n'
  + ' world\r\n'
  + '0;last=1\r\n'
  + 'X-Trailer: one\r\n'
  + 'X-Other: two\r\n'
  + '\r\n';

describe('ResponseParser: bodies', () => {
  test('Content-Length body in one read', () => {
    const { parser, rec } = feed('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world');
    assert.deepEqual(rec.events, [
      { kind: 'head', head: head(200, { contentType: 'text/plain', contentLength: 11 }) },
      { kind: 'body', text: 'hello world' },
      { kind: 'end', reusable: true },
    ]);
    assert.equal(parser.done, true);
  });

  test('the same Content-Length answer fed one byte at a time reports the same', () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=7\r\nContent-Length: 11\r\n\r\nhello world';
    const whole = feed(answer).rec;
    const bytewise = feed(answer, 1).rec;
    assert.deepEqual(bytewise.merged, whole.merged);
    // Split everywhere, the body still arrives whole and nothing is reported twice.
    assert.equal(bytewise.heads.length, 1);
    assert.equal(bytewise.body, 'hello world');
    assert.deepEqual(bytewise.ends, [true]);
    assert.equal(bytewise.events.filter((e) => e.kind === 'body').length, 11);
    // Every other split of the answer too.
    for (let step = 2; step < answer.length; step++) assert.deepEqual(feed(answer, step).rec.merged, whole.merged, `split every ${step} bytes`);
  });

  test('chunked body with chunk extensions and trailers, fed whole', () => {
    const { parser, rec } = feed(CHUNKED);
    assert.deepEqual(rec.heads, [head(200, { contentType: 'application/json' })]);
    assert.equal(rec.body, 'hello, world');
    assert.deepEqual(rec.ends, [true]);
    assert.equal(rec.events[rec.events.length - 1]?.kind, 'end');
    assert.equal(parser.done, true);
  });

  test('chunked body with chunk extensions and trailers, fed one byte at a time', () => {
    const whole = feed(CHUNKED).rec;
    const bytewise = feed(CHUNKED, 1).rec;
    assert.deepEqual(bytewise.merged, whole.merged);
    assert.equal(bytewise.body, 'hello, world');
    assert.deepEqual(bytewise.ends, [true]);
    for (let step = 2; step < CHUNKED.length; step += 3) assert.deepEqual(feed(CHUNKED, step).rec.merged, whole.merged, `split every ${step} bytes`);
  });

  test('chunk sizes in upper and lower case hex', () => {
    const data26 = 'abcdefghijklmnopqrstuvwxyz';
    const data31 = '0123456789012345678901234567890'; // 0x1f
    const answer = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n${data26}\r\n1f\r\n${data31}\r\n00\r\n\r\n`;
    for (const step of [undefined, 1]) {
      const { rec } = feed(answer, step);
      assert.equal(rec.body, data26 + data31);
      assert.deepEqual(rec.ends, [true]);
    }
  });

  test('Transfer-Encoding: only chunked is read; any other coding is an error (we send no TE)', () => {
    for (const te of ['chunked', 'Chunked', 'CHUNKED ']) {
      const { rec } = feed(`HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nTransfer-Encoding: ${te}\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
      assert.deepEqual(rec.heads, [head(200, { contentEncoding: 'br' })]);
      assert.equal(rec.body, 'abc');
      assert.deepEqual(rec.ends, [true]);
    }
    for (const te of ['gzip, chunked', 'chunked, gzip', 'identity', 'chunked, chunked']) {
      throwsH1(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, /Transfer-Encoding .*only chunked/);
    }
    // The same codings in two header lines.
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', /only chunked/);
  });

  test('no Content-Length and no Transfer-Encoding: the body runs until the connection closes', () => {
    const { parser, rec } = feed('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one,');
    parser.execute(Buffer.from(' part two'));
    assert.equal(rec.body, 'part one, part two');
    assert.deepEqual(rec.ends, []);
    assert.equal(parser.finish(), true);
    assert.deepEqual(rec.ends, [false]);
    // With no body byte at all before the close.
    const empty = feed('HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(empty.parser.finish(), true);
    assert.equal(empty.rec.body, '');
    assert.deepEqual(empty.rec.ends, [false]);
  });

  test('204 and 304 end at once, with no body, even with a Content-Length', () => {
    for (const status of [204, 304]) {
      const { parser, rec } = feed(`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n\r\n`);
      assert.deepEqual(rec.events, [{ kind: 'head', head: head(status, { contentType: 'text/plain' }) }, { kind: 'end', reusable: true }], `status ${status}`);
      assert.equal(parser.done, true);
      assert.equal(parser.finish(), false);
      // And with a chunked coding announced.
      const chunked = feed(`HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\n\r\n`).rec;
      assert.deepEqual(chunked.ends, [true]);
      assert.equal(chunked.body, '');
    }
  });

  test('Content-Length: 0 ends at once with no body', () => {
    const { parser, rec } = feed('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(rec.events, [{ kind: 'head', head: head(200, { contentLength: 0 }) }, { kind: 'end', reusable: true }]);
    assert.equal(parser.done, true);
    assert.equal(parser.finish(), false);
  });
});

describe('ResponseParser: status', () => {
  test('a 100 Continue and a 103 Early Hints before the real answer are skipped', () => {
    const answer = 'HTTP/1.1 100 Continue\r\n\r\n'
      + 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nContent-Type: ignored/1xx\r\n\r\n'
      + 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';
    for (const step of [undefined, 1, 7]) {
      const { rec } = feed(answer, step);
      assert.deepEqual(rec.merged, [
        { kind: 'head', head: head(201, { contentType: 'text/plain', contentLength: 2 }) },
        { kind: 'body', text: 'ok' },
        { kind: 'end', reusable: true },
      ], `step ${String(step)}`);
    }
    // A 1xx alone is no answer yet.
    const only = feed('HTTP/1.1 100 Continue\r\n\r\n');
    assert.deepEqual(only.rec.events, []);
    assert.equal(only.parser.done, false);
  });

  test('101 Switching Protocols is an error', () => {
    throwsH1('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n', /101/);
  });

  test('Connection: close makes the connection not reusable', () => {
    assert.deepEqual(feed('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx').rec.ends, [false]);
    assert.deepEqual(feed('HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE\r\nContent-Length: 1\r\n\r\nx').rec.ends, [false]);
    assert.deepEqual(feed('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx').rec.ends, [true]);
  });

  test('HTTP/1.0 is not reusable unless Connection: keep-alive', () => {
    const plain = feed('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok').rec;
    assert.deepEqual(plain.heads, [head(200, { contentLength: 2 })]);
    assert.equal(plain.body, 'ok');
    assert.deepEqual(plain.ends, [false]);
    assert.deepEqual(feed('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok').rec.ends, [true]);
    assert.deepEqual(feed('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok').rec.ends, [true]);
  });

  test('Keep-Alive: timeout=5 is reported as keepAliveMs 5000', () => {
    assert.equal(feed('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n').rec.heads[0]?.keepAliveMs, 5000);
    assert.equal(feed('HTTP/1.1 200 OK\r\nkeep-alive: max=100, timeout=5\r\nContent-Length: 0\r\n\r\n').rec.heads[0]?.keepAliveMs, 5000);
    assert.equal(feed('HTTP/1.1 200 OK\r\nKeep-Alive: max=100\r\nContent-Length: 0\r\n\r\n').rec.heads[0]?.keepAliveMs, undefined);
    assert.equal(feed('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').rec.heads[0]?.keepAliveMs, undefined);
  });

  test('Content-Type and Content-Encoding are reported, \'\' when absent', () => {
    const both = feed('HTTP/1.1 200 OK\r\ncontent-type:  application/json; charset=utf-8 \r\nCONTENT-ENCODING: gzip\r\nContent-Length: 0\r\n\r\n').rec;
    assert.deepEqual(both.heads, [head(200, { contentType: 'application/json; charset=utf-8', contentEncoding: 'gzip', contentLength: 0 })]);
    const none = feed('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').rec;
    assert.deepEqual(none.heads, [head(200, { contentType: '', contentEncoding: '', contentLength: 0 })]);
    const status = feed('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n').rec;
    assert.equal(status.heads[0]?.status, 503);
    // A status line with no reason phrase.
    assert.equal(feed('HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n').rec.heads[0]?.status, 404);
  });

  test('bytes after the end of the answer in the same read make the connection not reusable', () => {
    const { rec } = feed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n');
    assert.equal(rec.body, 'ok');
    assert.deepEqual(rec.ends, [false]);
    assert.deepEqual(feed('HTTP/1.1 204 No Content\r\n\r\nX').rec.ends, [false]);
    assert.deepEqual(feed('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX').rec.ends, [false]);
  });

  test('started is false until the first byte', () => {
    const rec = new Recorder();
    const parser = new ResponseParser(rec);
    assert.equal(parser.started, false);
    parser.execute(Buffer.alloc(0));
    assert.equal(parser.started, false, 'an empty read is no byte');
    parser.execute(Buffer.from('H'));
    assert.equal(parser.started, true);
    assert.deepEqual(rec.events, []);
  });
});

describe('ResponseParser: framing headers', () => {
  test('two different Content-Length headers are an error', () => {
    throwsH1('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk', /two different Content-Length/);
  });

  test('the same Content-Length twice is fine', () => {
    const { rec } = feed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok');
    assert.equal(rec.body, 'ok');
    assert.deepEqual(rec.ends, [true]);
  });

  test('a Content-Length that is not digits is an error', () => {
    for (const value of ['abc', '-1', '1.5', '0x10', '', '+5', '1 2']) {
      throwsH1(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`, /bad Content-Length/);
    }
  });

  test('Transfer-Encoding chunked with a Content-Length: the body is read by chunks and the connection not reused', () => {
    const { rec } = feed('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n');
    assert.equal(rec.body, 'abcd');
    assert.deepEqual(rec.ends, [false]);
  });
});

describe('ResponseParser: malformed answers', () => {
  test('a control character, NUL, DEL or a bare CR in the head is an error', () => {
    for (const value of ['text/plain\x00evil', 'text/\x01plain', 'text/plain\x7f', 'text/plain\revil']) {
      throwsH1(`HTTP/1.1 200 OK\r\nContent-Type: ${value}\r\nContent-Length: 2\r\n\r\nhi`, /control character or a bare CR or LF/);
    }
    // A tab and bytes 0x80-0xff are allowed in values.
    const ok = feed('HTTP/1.1 200 OK\r\nX-A: a\tb\r\nX-B: caf\xe9\r\nContent-Length: 2\r\n\r\nhi').rec;
    assert.equal(ok.body, 'hi');
  });

  test('bare LF line ends are an error at once, not a head that never ends', () => {
    // Complete but LF-only: no CRLFCRLF ever comes, so without the check the call would wait for its deadline.
    for (const step of [undefined, 1, 5]) {
      throwsH1('HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2\n\n{}', /ends without CR/, step);
    }
    // One bare LF inside an otherwise CRLF head that does end.
    throwsH1('HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n', /bare CR or LF/);
  });

  test('more than 100 informational answers are an error', () => {
    const continues = 'HTTP/1.1 100 Continue\r\n\r\n';
    assert.equal(feed(`${continues.repeat(100)}${OK_ANSWER}`).rec.body, 'ok');
    throwsH1(`${continues.repeat(101)}${OK_ANSWER}`, /more than 100 informational/);
  });

  test('a chunk-size line is hex digits first: no leading space, no bare CR; padding counts as extension bytes', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    throwsH1(`${head} 1\r\nx\r\n0\r\n\r\n`, /bad chunk size line/);
    throwsH1(`${head}1\r\r\nx\r\n0\r\n\r\n`, /bad chunk size line/);
    throwsH1(`${head}1 x\r\nx\r\n0\r\n\r\n`, /bad chunk size line/);
    assert.equal(feed(`${head}1 ;a=b\r\nx\r\n0\r\n\r\n`).rec.body, 'x', 'whitespace before ; is allowed (BWS)');
    // 100 lines of a 1-byte chunk padded with 1,000 spaces: 100 KB of framing for 100 bytes of body.
    throwsH1(`${head}${`1${' '.repeat(1000)};\r\nx\r\n`.repeat(100)}0\r\n\r\n`, /chunk extensions larger than/);
  });

  test('Content-Length is trimmed of spaces and tabs only', () => {
    assert.equal(feed('HTTP/1.1 200 OK\r\nContent-Length: \t2 \r\n\r\nok').rec.body, 'ok');
    throwsH1('HTTP/1.1 200 OK\r\nContent-Length: 2\xa0\r\n\r\nok', /bad Content-Length/);
  });

  test('a head of exactly MAX_HEAD_BYTES is accepted whole and byte by byte; one byte more is not', () => {
    const head = (size: number): string => {
      const start = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ';
      return `${start}${'p'.repeat(size - start.length)}\r\n\r\nok`;
    };
    for (const step of [undefined, 1, 4096]) {
      assert.equal(feed(head(MAX_HEAD_BYTES), step).rec.body, 'ok', `step ${String(step)}`);
      throwsH1(head(MAX_HEAD_BYTES + 1), /larger than/, step);
    }
  });

  test('chunk extensions above 16 KiB in total are an error, even spread over many chunks', () => {
    const ext = `;x=${'e'.repeat(1000)}`;
    const chunk = `1${ext}\r\nx\r\n`;
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    assert.equal(feed(`${head}${chunk.repeat(16)}0\r\n\r\n`).rec.body, 'x'.repeat(16));
    throwsH1(`${head}${chunk.repeat(17)}0\r\n\r\n`, /chunk extensions larger than/);
  });

  test('a bad status line is an error', () => {
    for (const line of ['HTP/1.1 200 OK', 'HTTP/2 200', 'HTTP/1.1 20', 'HTTP/1.1 2000 OK', 'HTTP/1.1 099 X', 'HTTP/1.2 200 OK', 'http/1.1 200 OK', ' HTTP/1.1 200 OK', 'HTTP/1.1  200 OK']) {
      throwsH1(`${line}\r\nContent-Length: 0\r\n\r\n`, /status line/);
    }
  });

  test('a header line without a colon is an error', () => {
    throwsH1('HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n', /without a colon/);
  });

  test('a bad header name (a space before the colon) is an error', () => {
    throwsH1('HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', /bad header name/);
    throwsH1('HTTP/1.1 200 OK\r\nX Bad: 1\r\nContent-Length: 0\r\n\r\n', /bad header name/);
    throwsH1('HTTP/1.1 200 OK\r\n: empty\r\nContent-Length: 0\r\n\r\n', /bad header name/);
    // A folded (obsolete line folding) header.
    throwsH1('HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded: 2\r\nContent-Length: 0\r\n\r\n', /bad header name/);
  });

  test('a head larger than MAX_HEAD_BYTES with no end is an error before it grows without bound', () => {
    const rec = new Recorder();
    const parser = new ResponseParser(rec);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n'));
    const line = Buffer.from(`X-Filler: ${'a'.repeat(1000)}\r\n`);
    let fed = 17;
    let error: unknown;
    try {
      while (fed < MAX_HEAD_BYTES * 4) {
        parser.execute(line);
        fed += line.length;
      }
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof H1ResponseError, `no error after ${fed} bytes`);
    assert.match(error.message, /larger than/);
    assert.ok(fed <= MAX_HEAD_BYTES + line.length, `the error came only after ${fed} bytes`);
    assert.deepEqual(rec.events, []);
    // In one read too, and a complete head that is too large.
    throwsH1(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(MAX_HEAD_BYTES)}`, /larger than/);
    throwsH1(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`, /larger than/);
  });

  test('a bad chunk size is an error', () => {
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', /bad chunk size/);
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', /bad chunk size/, 1);
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', /bad chunk size/);
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', /bad chunk size/);
  });

  test('chunk data not followed by CRLF is an error', () => {
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n', /not followed by CRLF/);
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX0\r\n\r\n', /not followed by CRLF/);
    throwsH1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\nX0\r\n\r\n', /not followed by CRLF/, 1);
  });
});

describe('ResponseParser: finish()', () => {
  test('finish() before any byte is an error that says so', () => {
    const parser = new ResponseParser(new Recorder());
    assert.throws(() => parser.finish(), (err: unknown) => err instanceof H1ResponseError && /before any answer/.test(err.message));
  });

  test('finish() in the middle of an answer is an error that says so', () => {
    const cuts = [
      'H',
      'HTTP/1.1 200 OK\r\nContent-Le',
      'HTTP/1.1 100 Continue\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n',
    ];
    for (const cut of cuts) {
      const { parser, rec } = feed(cut);
      assert.throws(() => parser.finish(), (err: unknown) => err instanceof H1ResponseError && /in the middle/.test(err.message), JSON.stringify(cut));
      assert.deepEqual(rec.ends, [], JSON.stringify(cut));
    }
  });

  test('finish() after a complete answer returns false', () => {
    const { parser, rec } = feed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(parser.finish(), false);
    assert.deepEqual(rec.ends, [true], 'onEnd is not called again');
  });
});
