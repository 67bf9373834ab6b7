/**
 * The engine's gRPC server on raw `node:http2` (src/transports/grpc/h2-*.ts), against real callers: a
 * grpc-js client for what gRPC clients do, and a raw HTTP/2 client for what they rarely do (no or two
 * messages, a bad grpc-timeout, a non-gRPC content type).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GrpcH2Server } from '../../../src/transports/grpc/h2-server';
import type { UnaryCall } from '../../../src/transports/grpc/h2-unary';

const identity = (b: Buffer): Buffer => b;
const ECHO = '/test.Svc/Echo';

interface Answer {
  readonly code: number;
  readonly details: string;
  readonly body: Buffer | undefined;
  readonly header: Metadata | undefined;
}

function grpcCall(client: Client, path: string, body: Buffer, options: { metadata?: Record<string, string>; deadlineMs?: number } = {}): Promise<Answer> {
  const md = new Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
  let header: Metadata | undefined;
  return new Promise((resolve) => {
    const call = client.makeUnaryRequest(path, identity, identity, body, md, options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
      (err: ServiceError | null, value?: Buffer) => resolve(err === null ? { code: 0, details: '', body: value, header } : { code: err.code, details: err.details, body: undefined, header }));
    call.on('metadata', (m: Metadata) => {
      header = m;
    });
  });
}

interface RawAnswer {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders | undefined;
  readonly data: Buffer;
}

/** One request over a fresh raw HTTP/2 connection. */
function rawCall(port: number, headers: OutgoingHttpHeaders, body: Buffer): Promise<RawAnswer> {
  const session = connect(`http://127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let response: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      response = h;
    });
    stream.on('trailers', (h) => {
      trailers = h;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      resolve({ headers: response, trailers, data: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}

function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** grpc-status and message of a raw answer, from trailers or a trailers-only answer. */
function status(answer: RawAnswer): [string | undefined, string | undefined] {
  const h = answer.trailers ?? answer.headers;
  return [h['grpc-status'] as string | undefined, h['grpc-message'] === undefined ? undefined : decodeURI(h['grpc-message'] as string)];
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('GrpcH2Server unary calls', () => {
  const server = new GrpcH2Server(1024 * 1024);
  const calls: UnaryCall[] = [];
  let port = 0;
  let client: Client;
  before(async () => {
    // The request's first byte picks the behaviour.
    server.addUnary(ECHO, (call) => {
      calls.push(call);
      const op = call.request[0]?.[0];
      if (op === 1) call.fail(grpcStatus.NOT_FOUND, 'no such thing: 100% gone, caf\u00e9', { 'x-puid': 'p-1' });
      else if (op === 2) call.fail(grpcStatus.INVALID_ARGUMENT, 'bad input');
      else if (op === 3) return; // never answers
      else if (op === 4) call.ok(Buffer.alloc(1024 * 1024 + 1));
      else call.ok(call.request, { 'x-puid': 'p-1' });
    });
    port = await server.listen({ host: '127.0.0.1', port: 0 });
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  });
  after(() => {
    client?.close();
    server.forceShutdown();
  });

  test('an answer: the bytes, status OK, and the handler\'s headers as response metadata', async () => {
    const answer = await grpcCall(client, ECHO, Buffer.from([0, 1, 2]), { metadata: { 'seldon-puid': 'abc', 'x-other': 'v' } });
    assert.equal(answer.code, 0, answer.details);
    assert.ok(answer.body?.equals(Buffer.from([0, 1, 2])));
    assert.deepEqual(answer.header?.get('x-puid'), ['p-1']);
    const call = calls.at(-1);
    assert.equal(call?.headers['seldon-puid'], 'abc');
    assert.equal(call?.headers['x-other'], 'v');
    assert.equal(call?.path, ECHO);
  });

  test('a 3 MB request and answer cross in many DATA frames unchanged', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    big[0] = 0;
    const wide = new GrpcH2Server(8 * 1024 * 1024);
    wide.addUnary(ECHO, (call) => call.ok(call.request));
    const widePort = await wide.listen({ host: '127.0.0.1', port: 0 });
    const wideClient = new Client(`127.0.0.1:${widePort}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
    try {
      const answer = await grpcCall(wideClient, ECHO, big);
      assert.equal(answer.code, 0, answer.details);
      assert.ok(answer.body?.equals(big));
    } finally {
      wideClient.close();
      wide.forceShutdown();
    }
  });

  test('a failure with headers: the headers as metadata, then the status with its details (percent-encoded on the wire)', async () => {
    const answer = await grpcCall(client, ECHO, Buffer.from([1]));
    assert.equal(answer.code, grpcStatus.NOT_FOUND);
    assert.equal(answer.details, 'no such thing: 100% gone, caf\u00e9');
    assert.deepEqual(answer.header?.get('x-puid'), ['p-1']);
  });

  test('a failure without headers is a trailers-only answer', async () => {
    const raw = await rawCall(port, { ':path': ECHO }, frame(Buffer.from([2])));
    assert.equal(raw.trailers, undefined);
    assert.deepEqual(status(raw), ['3', 'bad input']);
    assert.equal(raw.headers['content-type'], 'application/grpc+proto');
  });

  test('an unknown method: UNIMPLEMENTED, in grpc-js\'s words', async () => {
    const answer = await grpcCall(client, '/no.Such/Method', Buffer.alloc(0));
    assert.equal(answer.code, grpcStatus.UNIMPLEMENTED);
    assert.equal(answer.details, 'The server does not implement the method /no.Such/Method');
  });

  test('a content type that is not gRPC: HTTP 415', async () => {
    const raw = await rawCall(port, { ':path': ECHO, 'content-type': 'application/json' }, Buffer.from('{}'));
    assert.equal(raw.headers[':status'], 415);
  });

  test('no request message, or two: UNIMPLEMENTED, as grpc-js answers them', async () => {
    assert.deepEqual(status(await rawCall(port, { ':path': ECHO }, Buffer.alloc(0))), ['12', `Received no request message for server streaming method ${ECHO}`]);
    assert.deepEqual(status(await rawCall(port, { ':path': ECHO }, frame(Buffer.from([0])).subarray(0, 3))), ['12', `Received no request message for server streaming method ${ECHO}`]);
    const two = Buffer.concat([frame(Buffer.from([0])), frame(Buffer.from([0]))]);
    assert.deepEqual(status(await rawCall(port, { ':path': ECHO }, two)), ['12', `Received a second request message for server streaming method ${ECHO}`]);
  });

  test('a second message is refused as it arrives, not when the caller ends the stream (no memory held for it)', async () => {
    const session = connect(`http://127.0.0.1:${port}`);
    const callsBefore = calls.length;
    try {
      const stream = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc', te: 'trailers' });
      const trailers = new Promise<IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
      stream.on('response', (h) => {
        // A trailers-only answer carries the status in the headers.
        if (h['grpc-status'] !== undefined) stream.emit('trailers', h);
      });
      stream.on('error', () => {});
      stream.resume();
      // Empty messages, and the stream left open.
      stream.write(Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]));
      const t = await trailers;
      assert.deepEqual([t['grpc-status'], decodeURIComponent(String(t['grpc-message']))], ['12', `Received a second request message for server streaming method ${ECHO}`]);
      assert.equal(calls.length, callsBefore, 'the handler never saw the call');
      stream.close();
    } finally {
      session.close();
    }
  });

  test('a malformed grpc-timeout: INTERNAL', async () => {
    assert.deepEqual(status(await rawCall(port, { ':path': ECHO, 'grpc-timeout': 'soon' }, frame(Buffer.from([0])))), ['13', 'Invalid grpc-timeout value "soon"']);
  });

  test('the caller\'s deadline: the call knows it, and when it passes the caller gets DEADLINE_EXCEEDED and the call is aborted', async () => {
    const started = Date.now();
    const raw = await rawCall(port, { ':path': ECHO, 'grpc-timeout': '80m' }, frame(Buffer.from([3])));
    assert.deepEqual(status(raw), ['4', 'Deadline exceeded']);
    const call = calls.at(-1);
    assert.ok(call?.deadline !== undefined && Math.abs(call.deadline - (started + 80)) < 50, `deadline ${String(call?.deadline)} vs ${started + 80}`);
    assert.equal(call?.signal.aborted, true);
    // Answering afterwards does nothing.
    call?.ok(Buffer.from([0]));
  });

  test('a caller that cancels: the call\'s signal aborts', async () => {
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => undefined);
      stream.end(frame(Buffer.from([3])));
      const before = calls.length;
      await waitUntil(() => calls.length === before + 1);
      const call = calls.at(-1);
      assert.equal(call?.signal.aborted, false);
      stream.close();
      await waitUntil(() => call?.signal.aborted === true);
      assert.match(String((call?.signal.reason as Error).message), /cancelled/);
    } finally {
      session.destroy();
    }
  });

  test('a request over the receive limit: RESOURCE_EXHAUSTED before the handler, and the connection keeps serving', async () => {
    const before = calls.length;
    const answer = await grpcCall(client, ECHO, Buffer.alloc(1024 * 1024 + 1));
    assert.equal(answer.code, grpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(answer.details, `Received message larger than max (${1024 * 1024 + 1} vs ${1024 * 1024})`);
    assert.equal(calls.length, before);
    assert.equal((await grpcCall(client, ECHO, Buffer.from([0]))).code, 0);
  });

  test('an answer over the send limit: RESOURCE_EXHAUSTED', async () => {
    const answer = await grpcCall(client, ECHO, Buffer.from([4]));
    assert.equal(answer.code, grpcStatus.RESOURCE_EXHAUSTED);
    assert.match(answer.details, /^Sent message larger than max/);
  });

  test('a gzip-compressed request is decompressed for the handler', async () => {
    const body = gzipSync(Buffer.from([0, 9, 9]));
    const prefix = Buffer.from([1, 0, 0, 0, 0]);
    prefix.writeUInt32BE(body.length, 1);
    const ok = await rawCall(port, { ':path': ECHO, 'grpc-encoding': 'gzip' }, Buffer.concat([prefix, body]));
    assert.deepEqual(status(ok), ['0', 'OK']);
    assert.ok(Buffer.concat(calls.at(-1)?.request ?? []).equals(Buffer.from([0, 9, 9])));
    const unknown = await rawCall(port, { ':path': ECHO, 'grpc-encoding': 'br' }, Buffer.concat([prefix, body]));
    assert.deepEqual(status(unknown), ['12', 'Received message compressed with unsupported encoding "br"']);
  });
});

describe('GrpcH2Server shutdown', () => {
  test('tryShutdown lets a call in flight finish, then calls back; new calls are refused', async () => {
    const server = new GrpcH2Server(1024);
    let pending: UnaryCall | undefined;
    server.addUnary(ECHO, (call) => {
      pending = call;
    });
    const port = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const answer = grpcCall(client, ECHO, Buffer.from([7]));
      await waitUntil(() => pending !== undefined);
      let closed = false;
      server.tryShutdown(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(closed, false);
      pending?.ok(Buffer.from([8]));
      const got = await answer;
      assert.equal(got.code, 0, got.details);
      assert.ok(got.body?.equals(Buffer.from([8])));
      await waitUntil(() => closed);
      const late = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
      const refused = await grpcCall(late, ECHO, Buffer.from([0]), { deadlineMs: 500 });
      late.close();
      assert.notEqual(refused.code, 0);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  test('forceShutdown drops calls in flight: the caller gets UNAVAILABLE at once', async () => {
    const server = new GrpcH2Server(1024);
    let started = false;
    server.addUnary(ECHO, () => {
      started = true;
    });
    const port = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const answer = grpcCall(client, ECHO, Buffer.from([0]));
      await waitUntil(() => started);
      server.forceShutdown();
      assert.equal((await answer).code, grpcStatus.UNAVAILABLE);
    } finally {
      client.close();
    }
  });

  test('addService takes only bidirectional-streaming methods', () => {
    const server = new GrpcH2Server(1024);
    const unary = { path: ECHO, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
    assert.throws(() => server.addService({ Echo: unary }, { Echo: () => undefined }), /only bidirectional-streaming/);
  });
});
