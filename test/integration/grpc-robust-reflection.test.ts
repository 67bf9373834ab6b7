/**
 * Server reflection (a bidirectional stream) against callers that misbehave: one that never reads the
 * answers must not make the engine hold them (backpressure), and a request stream that ends inside a
 * message is an error status, not OK. Raw node:http2 clients, so the tests control flow-control
 * windows and framing byte by byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';

const REFLECTION = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
/** ServerReflectionRequest{file_containing_symbol: "seldon.protos.Seldon"}: 27 bytes framed, ~5 KB answered. */
const SYMBOL_REQUEST = frame(Buffer.concat([Buffer.from([0x22, 20]), Buffer.from('seldon.protos.Seldon')]));
/** ServerReflectionRequest{list_services: ""}. */
const LIST_REQUEST = frame(Buffer.from([0x3a, 0]));

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Splits the DATA of an answer into its messages (throws on a partial one). */
function messages(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    assert.ok(at + 5 <= data.length, 'a partial message prefix');
    const length = data.readUInt32BE(at + 1);
    assert.ok(at + 5 + length <= data.length, 'a partial message');
    out.push(data.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders | undefined;
  readonly data: Buffer;
}

/** Collects what the engine answers on `stream` until it closes (at most `timeoutMs`). */
function outcome(stream: ClientHttp2Stream, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`the call did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('response', (h) => {
      headers = h;
    });
    stream.on('trailers', (h) => {
      trailers = h;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined); // the outcome is in the status (or rstCode) checked by the test
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ headers, trailers, data: Buffer.concat(chunks) });
    });
  });
}

/** grpc-status and grpc-message, from the trailers or a trailers-only answer. */
function status(o: Outcome): [string | undefined, string] {
  const from = o.trailers ?? o.headers;
  const message = from['grpc-message'];
  return [from['grpc-status'] as string | undefined, decodeURIComponent(typeof message === 'string' ? message : '')];
}

function open(port: number, settings: { initialWindowSize?: number } = {}): Promise<ClientHttp2Session> {
  const session = connect(`http://127.0.0.1:${port}`, { settings });
  session.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function reflection(session: ClientHttp2Session): ClientHttp2Stream {
  return session.request({ ':method': 'POST', ':path': REFLECTION, 'content-type': 'application/grpc', te: 'trailers' });
}

describe('gRPC reflection robustness', () => {
  let engine: RunningEngine;
  before(async () => {
    engine = await startEngine({ args: ['--demo'] });
    // Reflection is built on its first call (~10 MB): before the baseline RSS, not counted as growth.
    const session = await open(engine.grpcPort);
    const warm = reflection(session);
    warm.end(SYMBOL_REQUEST);
    const answer = await outcome(warm);
    session.close();
    assert.equal(status(answer)[0], '0');
  });
  after(async () => {
    await engine.stop();
  });

  test('a caller that never reads the answers (window 0) does not make the engine hold them: RSS stays flat', async () => {
    const pid = engine.process.pid as number;
    const base = rssKb(pid);
    const session = await open(engine.grpcPort, { initialWindowSize: 0 });
    try {
      const stream = reflection(session);
      stream.on('error', () => undefined);
      // 30k requests (0.8 MB): answered in full they would be ~170 MB held for a caller that takes none.
      const count = 30_000;
      stream.write(Buffer.concat(Array.from({ length: count }, () => SYMBOL_REQUEST)));
      let peak = 0;
      for (let i = 0; i < 40; i++) {
        await sleep(100);
        peak = Math.max(peak, rssKb(pid) - base);
        assert.ok(peak < 64 * 1024, `engine RSS grew by ${Math.round(peak / 1024)} MB for a caller that reads nothing`);
      }
      // The stream waits (no status): the engine stopped reading it rather than ending it.
      assert.equal(stream.closed, false);
    } finally {
      session.destroy();
    }
    // The engine serves other callers meanwhile and after.
    const client = new SeldonGrpcClient(engine.grpcPort);
    try {
      const answer = await client.call('Predict', { data: { ndarray: [[1, 2]] } });
      assert.equal(answer.code, 0, answer.details);
    } finally {
      client.close();
    }
  });

  test('once the caller reads again, every request is answered in order and the call ends OK', async () => {
    const session = await open(engine.grpcPort, { initialWindowSize: 0 });
    try {
      const stream = reflection(session);
      const result = outcome(stream);
      const count = 400;
      // Alternating kinds show the order is kept across the waits for 'drain'.
      stream.end(Buffer.concat(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? SYMBOL_REQUEST : LIST_REQUEST))));
      await sleep(300);
      // Opening the initial window opens the stream's too (RFC 9113 6.9.2): the answers can flow.
      session.settings({ initialWindowSize: 1024 * 1024 });
      const answer = await result;
      assert.deepEqual(status(answer), ['0', 'OK']);
      const got = messages(answer.data);
      assert.equal(got.length, count);
      got.forEach((m, i) => {
        // Each answer echoes its request (original_request, field 2): 0x22 file_containing_symbol, 0x3a list_services.
        assert.equal(m.includes(Buffer.from(i % 2 === 0 ? 'seldon.protos.Seldon' : 'seldon.protos')), true, `answer ${i}`);
        assert.equal(m.length > 1000, i % 2 === 0, `answer ${i} is ${m.length} bytes`);
      });
    } finally {
      session.close();
    }
  });

  test('a request stream that ends inside a message is UNIMPLEMENTED, naming the problem (as on the unary path)', async () => {
    const session = await open(engine.grpcPort);
    try {
      const stream = reflection(session);
      const result = outcome(stream);
      // The prefix announces 10 bytes; 2 come, then END_STREAM.
      stream.end(Buffer.from([0, 0, 0, 0, 10, 1, 2]));
      const [code, message] = status(await result);
      assert.equal(code, '12');
      assert.match(message, /truncated request message .*ServerReflectionInfo.* 7 bytes into a message/);
    } finally {
      session.close();
    }
  });

  test('after answers went out, a truncated last message ends the call with the status in the trailers', async () => {
    const session = await open(engine.grpcPort);
    try {
      const stream = reflection(session);
      const result = outcome(stream);
      stream.end(Buffer.concat([LIST_REQUEST, Buffer.from([0, 0, 0])]));
      const answer = await result;
      assert.equal(messages(answer.data).length, 1);
      assert.notEqual(answer.trailers, undefined, 'the status comes in trailers, not a reset');
      const [code, message] = status(answer);
      assert.equal(code, '12');
      assert.match(message, /truncated request message .* 3 bytes into a message/);
    } finally {
      session.close();
    }
  });
});
