/**
 * The REST surface around the graph (reference 2.1, 2.4, 9.3, 11; reliability R11, R12): puid,
 * security and CORS headers, CloudEvents headers, header forwarding to children, liveness and
 * readiness, and the status / metadata proxies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { closedPort, restEndpoint, startChild, type ChildReply, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { parseErrorBody, rawRequest, UUID_V4, type RawReply } from '../helpers/raw-http';

const PREDICTIONS = '/api/v1.0/predictions';
const DEFAULT_CORS_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token';
const JSON_HEADERS = { 'content-type': 'application/json' };

const M_METADATA = { name: 'm', versions: ['m/1'], platform: 'test', inputs: [{ messagetype: 'tensor', schema: { names: ['a', 'b'] } }], outputs: [{ messagetype: 'tensor', schema: { names: ['mid'] } }] };
const M2_METADATA = { name: 'm2', versions: ['m2/7'], platform: 'test', inputs: [{ messagetype: 'tensor', schema: { names: ['mid'] } }], outputs: [{ messagetype: 'tensor', schema: { names: ['proba'] } }] };
/** The child's own status answer, with whitespace the engine must keep. */
const M_STATUS = '{ "status": "ok-from-child",  "n": 1 }';

function modelServer(metadata: unknown, output: unknown): Promise<ChildServer> {
  return startChild((call): ChildReply => {
    if (call.method === 'GET' && call.path === '/health/status') return { body: M_STATUS, headers: { 'content-type': 'application/json' } };
    if (call.method === 'GET' && call.path === '/metadata') return { json: metadata };
    if (call.path === '/predict') return { json: output };
    return { status: 404, body: `unexpected ${call.method} ${call.path}` };
  });
}

function post(engine: RunningEngine, path: string, body: string, headers: Record<string, string | string[]> = {}): Promise<RawReply> {
  return rawRequest(engine.port, { method: 'POST', path, headers: { ...JSON_HEADERS, ...headers }, body });
}

describe('HTTP surface, one engine with a two-model chain', () => {
  let m: ChildServer;
  let m2: ChildServer;
  let engine: RunningEngine;

  before(async () => {
    m = await modelServer(M_METADATA, { data: { ndarray: [[0.5]] } });
    m2 = await modelServer(M2_METADATA, { data: { ndarray: [[0.9]] } });
    const graph = { name: 'm', type: 'MODEL', endpoint: restEndpoint(m.port), children: [{ name: 'm2', type: 'MODEL', endpoint: restEndpoint(m2.port), children: [] }] };
    engine = await startEngine({ spec: { name: 'surface', graph }, args: ['--sdep=mydep', '--namespace=ns1'] });
  });

  after(async () => {
    await engine?.stop();
    await Promise.all([m, m2].map((c) => c?.close()));
  });

  test('Seldon-Puid: generated as a UUID when absent, answered and forwarded to every child', async () => {
    const reply = await post(engine, PREDICTIONS, '{"data":{"ndarray":[[1,2]]}}');
    assert.equal(reply.status, 200, reply.text);
    const puid = String(reply.headers['seldon-puid']);
    assert.equal(puid.length, 36);
    assert.match(puid, UUID_V4);
    assert.equal(m.calls.at(-1)?.headers['seldon-puid'], puid);
    assert.equal(m2.calls.at(-1)?.headers['seldon-puid'], puid);
    const again = await post(engine, PREDICTIONS, '{"data":{"ndarray":[[1,2]]}}');
    assert.notEqual(again.headers['seldon-puid'], puid, 'each request gets its own puid');
  });

  test('Seldon-Puid: a client puid is echoed and forwarded unchanged', async () => {
    const reply = await post(engine, PREDICTIONS, '{"data":{"ndarray":[[1,2]]}}', { 'seldon-puid': 'client-puid-1' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['seldon-puid'], 'client-puid-1');
    assert.equal(m.calls.at(-1)?.headers['seldon-puid'], 'client-puid-1');
    assert.equal(m2.calls.at(-1)?.headers['seldon-puid'], 'client-puid-1');
  });

  test('X-Content-Type-Options: nosniff (and a puid) on success, error, 404, 405 and OPTIONS', async () => {
    const replies: Array<[string, number, RawReply]> = [
      ['success', 200, await post(engine, PREDICTIONS, '{}')],
      ['engine error', 400, await post(engine, '/api/v1.0/feedback', 'not json')],
      ['unknown node', 404, await rawRequest(engine.port, { path: '/api/v1.0/status/nosuch' })],
      ['no route', 404, await rawRequest(engine.port, { path: '/nowhere' })],
      ['wrong method', 405, await rawRequest(engine.port, { method: 'DELETE', path: PREDICTIONS })],
      ['preflight', 200, await rawRequest(engine.port, { method: 'OPTIONS', path: PREDICTIONS })],
      ['metrics', 200, await rawRequest(engine.port, { path: '/metrics' })],
    ];
    for (const [what, status, reply] of replies) {
      assert.equal(reply.status, status, `${what}: ${reply.text}`);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff', what);
      assert.match(String(reply.headers['seldon-puid']), UUID_V4, what);
    }
  });

  test('CORS: default origin and headers; Access-Control-Allow-Methods only on routes that list OPTIONS', async () => {
    const reply = await post(engine, PREDICTIONS, '{}');
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    assert.equal(reply.headers['access-control-allow-headers'], DEFAULT_CORS_HEADERS);
    assert.equal(reply.headers['access-control-allow-methods'], 'OPTIONS,POST');
    const status = await rawRequest(engine.port, { path: '/api/v1.0/status/m' });
    assert.equal(status.headers['access-control-allow-methods'], 'GET,OPTIONS');
    const live = await rawRequest(engine.port, { path: '/live' });
    assert.equal(live.headers['access-control-allow-origin'], '*');
    assert.equal(live.headers['access-control-allow-methods'], undefined);
  });

  test('OPTIONS preflight on predictions: 200, empty body, CORS headers, no child called', async () => {
    const before = m.calls.length;
    const reply = await rawRequest(engine.port, {
      method: 'OPTIONS', path: PREDICTIONS,
      headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, 0);
    assert.equal(reply.headers['content-length'], '0');
    assert.equal(reply.headers['access-control-allow-methods'], 'OPTIONS,POST');
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    assert.equal(reply.headers['access-control-allow-headers'], DEFAULT_CORS_HEADERS);
    assert.equal(m.calls.length, before);
    const feedback = await rawRequest(engine.port, { method: 'OPTIONS', path: '/api/v0.1/feedback' });
    assert.equal(feedback.status, 200);
    assert.equal(feedback.headers['access-control-allow-methods'], 'OPTIONS,POST');
  });

  test('CloudEvents headers only when the request carries Ce-Specversion', async () => {
    const ce = await post(engine, `${PREDICTIONS}?trace=1`, '{}', { 'ce-specversion': '1.0', 'seldon-puid': 'ce-puid' });
    assert.equal(ce.status, 200);
    const ceHeaders = Object.fromEntries(Object.entries(ce.headers).filter(([k]) => k.startsWith('ce-')));
    assert.deepEqual(ceHeaders, {
      'ce-id': 'ce-puid',
      'ce-specversion': '0.3',
      'ce-path': PREDICTIONS,
      'ce-type': 'seldon.mydep.ns1.response',
      'ce-source': 'seldon.mydep',
    });
    const plain = await post(engine, PREDICTIONS, '{}');
    assert.deepEqual(Object.keys(plain.headers).filter((k) => k.startsWith('ce-')), []);
  });

  test('hop-by-hop headers are not forwarded to children; end-to-end headers are', async () => {
    const body = '{"data":{"ndarray":[[3]]}}';
    // Chunked, so that Transfer-Encoding and Trailer are sent too (node refuses Trailer with Content-Length).
    const reply = await rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, body, chunkBytes: 10, headers: {
      ...JSON_HEADERS,
      connection: 'X-Hop-Named',
      'x-hop-named': 'secret',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      trailer: 'X-Trail',
      upgrade: 'websocket',
      authorization: 'Bearer tok-123',
      'x-custom': 'custom value',
      'user-agent': 'surface-test/1',
    } });
    assert.equal(reply.status, 200, reply.text);
    for (const child of [m, m2]) {
      const got = child.calls.at(-1)?.headers;
      assert.ok(got !== undefined);
      for (const hop of ['x-hop-named', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding']) {
        assert.equal(got[hop], undefined, `${hop} reached the child`);
      }
      assert.ok(!String(got.connection ?? '').toLowerCase().includes('x-hop-named'), `connection: ${got.connection}`);
      assert.equal(got.authorization, 'Bearer tok-123');
      assert.equal(got['x-custom'], 'custom value');
      assert.equal(got['user-agent'], 'surface-test/1');
      assert.equal(got.host, `127.0.0.1:${child.port}`);
      assert.equal(got['content-type'], 'application/json');
    }
    assert.equal(m.calls.at(-1)?.headers['content-length'], String(body.length));
    assert.equal(m.calls.at(-1)?.text, body);
  });

  test('/live answers 200 with an empty body, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'HEAD']) {
      const reply = await rawRequest(engine.port, { method, path: '/live' });
      assert.equal(reply.status, 200, method);
      assert.equal(reply.body.length, 0, method);
    }
  });

  test('/ready and the seldon readiness routes answer 200 with an empty body when every child port is open', async () => {
    for (const path of ['/ready', '/api/v1.0/status', '/api/v1.0/health/status']) {
      const reply = await rawRequest(engine.port, { path });
      assert.equal(reply.status, 200, path);
      assert.equal(reply.body.length, 0, path);
    }
  });

  test('status of a node proxies GET /health/status and passes the answer through', async () => {
    for (const prefix of ['/api/v1.0', '/api/v0.1']) {
      const before = m.calls.length;
      const reply = await rawRequest(engine.port, { path: `${prefix}/status/m`, headers: { 'seldon-puid': 'status-puid' } });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.text, M_STATUS);
      assert.equal(reply.headers['content-type'], 'application/json');
      assert.equal(m.calls.length, before + 1);
      const call = m.calls.at(-1);
      assert.equal(call?.method, 'GET');
      assert.equal(call?.path, '/health/status');
      assert.equal(call?.headers['seldon-puid'], 'status-puid');
    }
  });

  test('status of an unknown node: 404 UNKNOWN_MODEL naming it, no child called', async () => {
    const before = m.calls.length + m2.calls.length;
    const reply = await rawRequest(engine.port, { path: '/api/v1.0/status/nosuch' });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 404, info: '', reason: 'UNKNOWN_MODEL', status: 'FAILURE' });
    assert.match(status.info, /Failed to find model nosuch/);
    assert.equal(m.calls.length + m2.calls.length, before);
    const meta = await rawRequest(engine.port, { path: '/api/v1.0/metadata/nosuch' });
    assert.equal(meta.status, 404);
    assert.equal(parseErrorBody(meta.text).status.reason, 'UNKNOWN_MODEL');
  });

  test('metadata of a node proxies GET /metadata', async () => {
    const reply = await rawRequest(engine.port, { path: '/api/v1.0/metadata/m2' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, JSON.stringify(M2_METADATA));
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(m2.calls.at(-1)?.method, 'GET');
    assert.equal(m2.calls.at(-1)?.path, '/metadata');
  });

  test('graph metadata: every node\'s metadata, inputs of the first node and outputs of the last', async () => {
    const reply = await rawRequest(engine.port, { path: '/api/v1.0/metadata' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(reply.text), {
      name: 'surface',
      models: { m: M_METADATA, m2: M2_METADATA },
      graphinputs: M_METADATA.inputs,
      graphoutputs: M2_METADATA.outputs,
    });
  });
});

describe('HTTP surface, CORS from the environment and a child that is down', () => {
  let engine: RunningEngine;

  before(async () => {
    const port = await closedPort();
    engine = await startEngine({
      spec: { name: 'down', graph: { name: 'gone', type: 'MODEL', endpoint: restEndpoint(port), children: [] } },
      env: { CORS_ALLOWED_ORIGINS: 'https://app.example.com', CORS_ALLOWED_HEADERS: 'X-Requested-With, Content-Type' },
    });
  });

  after(async () => {
    await engine?.stop();
  });

  test('CORS_ALLOWED_ORIGINS and CORS_ALLOWED_HEADERS are honoured', async () => {
    for (const method of ['OPTIONS', 'POST']) {
      const reply = await rawRequest(engine.port, { method, path: PREDICTIONS, headers: JSON_HEADERS, body: '{}' });
      assert.equal(reply.headers['access-control-allow-origin'], 'https://app.example.com', method);
      assert.equal(reply.headers['access-control-allow-headers'], 'X-Requested-With, Content-Type', method);
      assert.equal(reply.headers['access-control-allow-methods'], 'OPTIONS,POST', method);
    }
  });

  test('/ready and the seldon readiness routes answer 503 with an empty body when a child port is closed; /live stays 200', async () => {
    for (const path of ['/ready', '/api/v1.0/status', '/api/v1.0/health/status']) {
      const reply = await rawRequest(engine.port, { path });
      assert.equal(reply.status, 503, path);
      assert.equal(reply.body.length, 0, path);
    }
    const live = await rawRequest(engine.port, { path: '/live' });
    assert.equal(live.status, 200);
  });
});

/** Writes raw bytes on a fresh connection (then, optionally, waits), and reads until the engine closes it. */
function rawExchange(port: number, bytes: string): Promise<{ status: number; head: string; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const at = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.slice(9, 12)), head: text.slice(0, at + 2), body: text.slice(at + 4), ms: performance.now() - started });
    });
  });
}

describe('requests Node cannot parse, or that come too slowly: the engine\'s JSON errors, then the connection closes', () => {
  let engine: RunningEngine;

  before(async () => {
    // Named "__proto__": a key that a plain object would take for its prototype (graph metadata test).
    const graph = { name: '__proto__', type: 'MODEL', implementation: 'SIMPLE_MODEL', children: [] };
    engine = await startEngine({ spec: { name: 'client-errors', graph }, args: ['--headers_timeout=300ms', '--request_timeout=600ms'] });
  });

  after(async () => {
    await engine?.stop();
  });

  function assertJsonError(reply: { status: number; head: string; body: string }, status: number, reason: string, info: RegExp): void {
    assert.equal(reply.status, status, reply.head);
    assert.match(reply.head, /\r\ncontent-type: application\/json\r\n/i);
    assert.match(reply.head, /\r\nconnection: close\r\n/i);
    assert.match(reply.head, /\r\nx-content-type-options: nosniff\r\n/i);
    assert.match(reply.head, /\r\nseldon-puid: [0-9a-f-]{36}\r\n/i);
    const body = parseErrorBody(reply.body);
    assert.equal(body.status.code, status);
    assert.equal(body.status.reason, reason);
    assert.match(body.status.info, info);
  }

  test('a malformed request line or header, or conflicting framing: 400 BAD_REQUEST', async () => {
    assertJsonError(await rawExchange(engine.port, 'GARBAGE\r\n\r\n'), 400, 'BAD_REQUEST', /^the request is not valid HTTP\/1\.1: /);
    assertJsonError(await rawExchange(engine.port, 'POST /api/v1.0/predictions HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'), 400, 'BAD_REQUEST', /HPE_INVALID_HEADER_TOKEN/);
    const both = 'POST /api/v1.0/predictions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    assertJsonError(await rawExchange(engine.port, both), 400, 'BAD_REQUEST', /HPE_/);
  });

  test('an Expect other than 100-continue: 417 EXPECTATION_FAILED as JSON', async () => {
    const body = '{"data":{"ndarray":[[1]]}}';
    const reply = await rawExchange(engine.port, `POST ${PREDICTIONS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(reply.status, 417, reply.head);
    assert.match(reply.head, /\r\ncontent-type: application\/json\r\n/i);
    assert.match(reply.head, /\r\nseldon-puid: [0-9a-f-]{36}\r\n/i);
    const error = parseErrorBody(reply.body);
    assert.equal(error.status.reason, 'EXPECTATION_FAILED');
    assert.equal(error.status.info, 'the request expects "200-ok"; only 100-continue is supported');
  });

  test('graph metadata lists a node named "__proto__" like any other', async () => {
    const reply = await rawRequest(engine.port, { path: '/api/v1.0/metadata' });
    assert.equal(reply.status, 200, reply.text);
    const models = (JSON.parse(reply.text) as { models: Record<string, { name: string }> }).models;
    assert.deepEqual(Object.keys(models), ['__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(models, '__proto__')?.value?.name, '__proto__');
  });

  test('whole requests then bad bytes on the same connection (pipelining): each request is answered, in order, then the 400', async () => {
    const body = (n: number): string => `{"data":{"ndarray":[[${n}]]}}`;
    const post = (n: number): string => `POST ${PREDICTIONS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body(n).length}\r\n\r\n${body(n)}`;
    // A child slow enough that the later answers are not ready when the first one is written.
    const slow = await startChild(() => ({ delayMs: 150, json: { data: { ndarray: [[0.5]] } } }));
    const slowEngine = await startEngine({ spec: { name: 'pipelined', graph: { name: 'm', type: 'MODEL', endpoint: restEndpoint(slow.port), children: [] } } });
    let reply: Awaited<ReturnType<typeof rawExchange>>;
    try {
      reply = await rawExchange(slowEngine.port, `${post(1)}${post(2)}${post(3)}GARBAGE\r\n\r\n`);
    } finally {
      await slowEngine.stop();
      await slow.close();
    }
    const all = `${reply.head}\r\n${reply.body}`;
    const answers = all.split(/(?=HTTP\/1\.1 \d{3} )/);
    assert.equal(answers.length, 4, all);
    for (const a of answers.slice(0, 3)) assert.match(a, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"data":/);
    assert.match(answers[3] ?? '', /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"reason":"BAD_REQUEST"/);
  });

  test('CONNECT (a proxy tunnel): 405 METHOD_NOT_ALLOWED as JSON, then closed', async () => {
    const reply = await rawExchange(engine.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assertJsonError(reply, 405, 'METHOD_NOT_ALLOWED', /^CONNECT is not allowed: the engine is not a proxy$/);
  });

  test('headers over Node\'s limit: 431 HEADERS_TOO_LARGE', async () => {
    const reply = await rawExchange(engine.port, `GET /live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assertJsonError(reply, 431, 'HEADERS_TOO_LARGE', /larger than \d+ bytes/);
  });

  test('headers not finished within --headers_timeout: 408 REQUEST_TIMEOUT; the engine keeps serving', async () => {
    const reply = await rawExchange(engine.port, 'POST /api/v1.0/predictions HTTP/1.1\r\nHost: x\r\n');
    assertJsonError(reply, 408, 'REQUEST_TIMEOUT', /--headers_timeout 300 ms/);
    // Node checks the deadlines once a second.
    assert.ok(reply.ms >= 250 && reply.ms < 3_000, `answered after ${reply.ms.toFixed(0)} ms`);
    const ok = await rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, headers: JSON_HEADERS, body: '{"data":{"ndarray":[[1]]}}' });
    assert.equal(ok.status, 200, ok.text);
  });
});
