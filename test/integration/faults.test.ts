/**
 * Child faults, request limits and cancellation (reference 2.3, 10; reliability R2, R3, R5): the real
 * engine between real child servers. After every fault the same engine must still answer a good
 * request, so each engine serves several faults, picked per request by the request body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { closedPort, restEndpoint, startChild, type ChildReply, type ChildServer, type ReceivedCall } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { parseErrorBody, rawRequest, waitFor, type RawReply } from '../helpers/raw-http';

const PREDICTIONS = '/api/v1.0/predictions';

/** The `strData` of a request, which the scripts below switch on. */
function caseOf(call: ReceivedCall): string {
  try {
    const body = JSON.parse(call.text) as { strData?: unknown };
    return typeof body.strData === 'string' ? body.strData : '';
  } catch {
    return '';
  }
}

function predict(engine: RunningEngine, strData: string): Promise<RawReply> {
  return rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ strData }) });
}

interface Node {
  name: string;
  type: string;
  endpoint: ReturnType<typeof restEndpoint>;
  children: Node[];
}

function node(name: string, type: string, port: number, children: Node[] = []): Node {
  return { name, type, endpoint: restEndpoint(port), children };
}

/** Fails the test when the engine died or logged an uncaught exception / unhandled rejection. */
function assertEngineSurvived(engine: RunningEngine): void {
  assert.equal(engine.process.exitCode, null, 'the engine process exited');
  const crashes = engine.output.filter((l) => l.includes('uncaught exception') || l.includes('unhandled rejection'));
  assert.deepEqual(crashes, []);
}

/**
 * A child that sends 200 headers and the start of a JSON body, then either breaks the connection
 * ('reset') or never sends the rest ('stall'). `closedEarly` counts answers the engine abandoned.
 */
interface BrokenChild {
  readonly port: number;
  readonly calls: () => number;
  readonly closedEarly: () => number;
  close(): Promise<void>;
}

async function startBrokenChild(mode: 'reset' | 'stall'): Promise<BrokenChild> {
  let calls = 0;
  let closedEarly = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data":{"ndarray":[[1,');
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
      });
      if (mode === 'reset') setTimeout(() => res.socket?.destroy(), 10);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls: () => calls,
    closedEarly: () => closedEarly,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A child that answers every request with a head whose lines end in LF alone: not HTTP/1.1. */
async function startGarbageChild(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2\n\n{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('child faults (seldon.io/rest-timeout=2000, --max_body_bytes=1024)', () => {
  // switch (ROUTER) picks child i from the request's strData; each child is one fault.
  const ROUTES: Record<string, number> = { ok: 0, dead: 1, conflict: 2, html: 3, reset: 4, garbage: 5 };
  const CONFLICT_BODY = '{\n       "status":"failed"\n    }\t \r\n';
  const CONFLICT_TYPE = 'application/problem+json; charset=utf-8';
  let children: ChildServer[] = [];
  let sw: ChildServer;
  let ok: ChildServer;
  let conflict: ChildServer;
  let comb: ChildServer;
  let htmlModel: ChildServer;
  let jsonModel: ChildServer;
  let reset: BrokenChild;
  let garbage: { port: number; close(): Promise<void> };
  let deadPort: number;
  let engine: RunningEngine;

  before(async () => {
    sw = await startChild((call): ChildReply => {
      const c = caseOf(call);
      if (c === 'router-html') return { body: '<html>no route</html>', headers: { 'content-type': 'text/html' } };
      return { json: { data: { ndarray: [[ROUTES[c] ?? 0]] } } };
    });
    ok = await startChild(() => ({ json: { strData: 'fine' } }));
    conflict = await startChild(() => ({ status: 409, body: CONFLICT_BODY, headers: { 'content-type': CONFLICT_TYPE } }));
    comb = await startChild(() => ({ json: { strData: 'combined' } }));
    htmlModel = await startChild(() => ({ body: '<html><body>hello</body></html>', headers: { 'content-type': 'text/html' } }));
    jsonModel = await startChild(() => ({ json: { data: { ndarray: [[1]] } } }));
    children = [sw, ok, conflict, comb, htmlModel, jsonModel];
    reset = await startBrokenChild('reset');
    garbage = await startGarbageChild();
    deadPort = await closedPort();
    const graph = node('switch', 'ROUTER', sw.port, [
      node('ok', 'MODEL', ok.port),
      node('dead', 'MODEL', deadPort),
      node('conflict', 'MODEL', conflict.port),
      node('comb', 'COMBINER', comb.port, [node('htmlmodel', 'MODEL', htmlModel.port), node('jsonmodel', 'MODEL', jsonModel.port)]),
      node('reset', 'MODEL', reset.port),
      node('garbage', 'MODEL', garbage.port),
    ]);
    engine = await startEngine({
      spec: { name: 'faults', graph },
      // Generous: these faults are immediate, and a loaded CI box must not turn them into 504s.
      annotations: 'seldon.io/rest-timeout="2000"\n',
      args: ['--max_body_bytes=1024'],
    });
  });

  after(async () => {
    await engine?.stop();
    await Promise.all([...children, reset, garbage].map((c) => c?.close()));
  });

  /** The next good request to the same engine succeeds. */
  async function assertStillServes(): Promise<void> {
    const reply = await predict(engine, 'ok');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '{"strData":"fine"}');
    assertEngineSurvived(engine);
  }

  test('a good request goes through (baseline)', async () => {
    await assertStillServes();
  });

  test('child refuses the connection: 502 CHILD_UNREACHABLE naming node and URL, as JSON', async () => {
    const reply = await predict(engine, 'dead');
    assert.equal(reply.status, 502, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 502, info: '', reason: 'CHILD_UNREACHABLE', status: 'FAILURE' });
    assert.match(status.info, /node "dead"/);
    assert.ok(status.info.includes(`http://127.0.0.1:${deadPort}/predict`), status.info);
    assert.ok(reply.ms < 500, `refused connection took ${reply.ms.toFixed(0)} ms`);
    await assertStillServes();
  });

  test('child breaks the connection in the middle of its answer: 502 CHILD_UNREACHABLE naming node and URL', async () => {
    const reply = await predict(engine, 'reset');
    assert.equal(reply.status, 502, reply.text);
    assert.equal(reset.calls(), 1);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 502, info: '', reason: 'CHILD_UNREACHABLE', status: 'FAILURE' });
    assert.match(status.info, /node "reset"/);
    assert.ok(status.info.includes(`http://127.0.0.1:${reset.port}/predict`), status.info);
    assert.ok(!reply.text.includes('ndarray'), 'the partial answer must not reach the client');
    await assertStillServes();
  });

  test('child answers bytes that are not HTTP/1.1 (LF-only line ends): 502 CHILD_BAD_RESPONSE at once, naming node and URL', async () => {
    const reply = await predict(engine, 'garbage');
    assert.equal(reply.status, 502, reply.text);
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 502, info: '', reason: 'CHILD_BAD_RESPONSE', status: 'FAILURE' });
    assert.match(status.info, /node "garbage"/);
    assert.match(status.info, /not HTTP\/1\.1/);
    assert.ok(status.info.includes(`http://127.0.0.1:${garbage.port}/predict`), status.info);
    // Not at the 2 s deadline: a head that can never end is refused as soon as it is seen.
    assert.ok(reply.ms < 1000, `took ${reply.ms.toFixed(0)} ms`);
    await assertStillServes();
  });

  test('child answers 409 with odd whitespace: 409 with the identical bytes and content type', async () => {
    const reply = await predict(engine, 'conflict');
    assert.equal(reply.status, 409);
    assert.ok(reply.body.equals(Buffer.from(CONFLICT_BODY)), JSON.stringify(reply.text));
    assert.equal(reply.headers['content-type'], CONFLICT_TYPE);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    await assertStillServes();
  });

  test('a combiner input that is not JSON (a model answered text/html): 502 CHILD_BAD_RESPONSE naming the child', async () => {
    const aggregateCalls = comb.callsTo('/aggregate').length;
    const reply = await predict(engine, 'html');
    assert.equal(reply.status, 502, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 502, info: '', reason: 'CHILD_BAD_RESPONSE', status: 'FAILURE' });
    assert.match(status.info, /"comb"/);
    assert.match(status.info, /"htmlmodel"/);
    assert.equal(htmlModel.callsTo('/predict').length, 1);
    assert.equal(comb.callsTo('/aggregate').length, aggregateCalls, 'the combiner must not be called with a broken input');
    await assertStillServes();
  });

  test('router answers non-JSON: 502 CHILD_BAD_RESPONSE naming the router', async () => {
    const before = children.filter((c) => c !== sw).map((c) => c.calls.length);
    const reply = await predict(engine, 'router-html');
    assert.equal(reply.status, 502, reply.text);
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 502, info: '', reason: 'CHILD_BAD_RESPONSE', status: 'FAILURE' });
    assert.match(status.info, /router "switch"/);
    // HTML-escaped like every engine JSON answer: the quoted body carries no raw '<'.
    assert.ok(!reply.text.includes('<'), reply.text);
    assert.ok(reply.text.includes('\\u003chtml\\u003e'), reply.text);
    assert.deepEqual(children.filter((c) => c !== sw).map((c) => c.calls.length), before, 'no child may be called after a bad route');
    await assertStillServes();
  });

  test('malformed feedback body: 400 BAD_REQUEST_JSON, no child called', async () => {
    const callsBefore = children.map((c) => c.calls.length);
    const reply = await rawRequest(engine.port, { method: 'POST', path: '/api/v1.0/feedback', headers: { 'content-type': 'application/json' }, body: '{"reward": 1, "request": {' });
    assert.equal(reply.status, 400, reply.text);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 400, info: '', reason: 'BAD_REQUEST_JSON', status: 'FAILURE' });
    assert.match(status.info, /feedback body is not valid JSON/);
    assert.deepEqual(children.map((c) => c.calls.length), callsBefore);
    await assertStillServes();
  });

  test('unknown path: 404 NOT_FOUND as JSON', async () => {
    const reply = await rawRequest(engine.port, { method: 'POST', path: '/api/v1.0/predictions/', body: '{}' });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 404, info: '', reason: 'NOT_FOUND', status: 'FAILURE' });
    assert.match(status.info, /\/api\/v1\.0\/predictions\//);
    await assertStillServes();
  });

  test('GET on predictions: 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const reply = await rawRequest(engine.port, { method: 'GET', path: PREDICTIONS });
    assert.equal(reply.status, 405);
    assert.deepEqual(String(reply.headers.allow).split(',').map((s) => s.trim()).sort(), ['OPTIONS', 'POST']);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 405, info: '', reason: 'METHOD_NOT_ALLOWED', status: 'FAILURE' });
    await assertStillServes();
  });

  /** A valid request of exactly `size` bytes whose strData is 'ok'. */
  function okBodyOfSize(size: number): string {
    const head = '{"strData":"ok","pad":"';
    const tail = '"}';
    return head + 'x'.repeat(size - head.length - tail.length) + tail;
  }

  test('a body of exactly --max_body_bytes is accepted (Content-Length and chunked)', async () => {
    const body = okBodyOfSize(1024);
    assert.equal(Buffer.byteLength(body), 1024);
    const headers = { 'content-type': 'application/json' };
    const sized = await rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, headers, body });
    assert.equal(sized.status, 200, sized.text);
    const chunked = await rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, headers, body, chunkBytes: 300 });
    assert.equal(chunked.status, 200, chunked.text);
  });

  test('a declared Content-Length over the limit is refused at once, before any body byte arrives', async () => {
    const callsBefore = children.map((c) => c.calls.length);
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: engine.port, method: 'POST', path: PREDICTIONS, agent: false, headers: { 'content-type': 'application/json', 'content-length': 100_000_000 } });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer within 500 ms: the engine waited for the body'));
      }, 500);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.flushHeaders(); // headers only; the body never comes
    });
    assert.equal(reply.status, 413, reply.text);
    assert.equal(parseErrorBody(reply.text).status.reason, 'PAYLOAD_TOO_LARGE');
    assert.match(parseErrorBody(reply.text).status.info, /100000000 bytes is over the limit of 1024 bytes/);
    assert.deepEqual(children.map((c) => c.calls.length), callsBefore);
    await assertStillServes();
  });

  for (const chunkBytes of [undefined, 256]) {
    const how = chunkBytes === undefined ? 'with Content-Length' : 'chunked';
    test(`a 2 KB body over --max_body_bytes=1024 (${how}): 413 PAYLOAD_TOO_LARGE, the rest of the body read and dropped, the connection kept, no child called`, async () => {
      const callsBefore = children.map((c) => c.calls.length);
      const body = okBodyOfSize(2048);
      // The client asks for keep-alive: closing the connection is the engine's own choice.
      const options = { method: 'POST', path: PREDICTIONS, headers: { 'content-type': 'application/json', connection: 'keep-alive' }, body };
      const reply = await rawRequest(engine.port, chunkBytes === undefined ? options : { ...options, chunkBytes });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(reply.headers.connection, 'keep-alive');
      assert.equal(reply.headers['content-type'], 'application/json');
      const { status } = parseErrorBody(reply.text);
      assert.deepEqual({ ...status, info: '' }, { code: 413, info: '', reason: 'PAYLOAD_TOO_LARGE', status: 'FAILURE' });
      assert.match(status.info, /limit of 1024 bytes/);
      assert.ok(!reply.text.includes('xxxx'), 'the error must not echo the body');
      assert.deepEqual(children.map((c) => c.calls.length), callsBefore);
      await assertStillServes();
    });
  }
  test(
    'a client still uploading a body far over the limit receives the 413, not a connection reset',
    async () => {
      // The reset races the answer (about a third of the tries lose on loopback), hence ten tries.
      const body = Buffer.alloc(10 * 1024 * 1024, 0x20);
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++) {
        const sent = rawRequest(engine.port, { method: 'POST', path: PREDICTIONS, headers: { 'content-type': 'application/json' }, body });
        outcomes.push(await sent.then((r) => String(r.status), (err: NodeJS.ErrnoException) => err.code ?? err.message));
      }
      assert.deepEqual(outcomes, Array<string>(10).fill('413'));
    },
  );
  test('a client that declares a huge body and then stalls gets the 413, and the engine closes the connection after 2 s', async () => {
    const socket = connect(engine.port, '127.0.0.1');
    await once(socket, 'connect');
    const started = performance.now();
    socket.write(`POST ${PREDICTIONS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"data":`);
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    await once(socket, 'close');
    const ms = performance.now() - started;
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /PAYLOAD_TOO_LARGE/);
    assert.ok(ms >= 1_500 && ms < 5_000, `closed after ${Math.round(ms)} ms`);
    await assertStillServes();
  });
});

describe('child timeouts (seldon.io/rest-timeout=50)', () => {
  const ROUTES: Record<string, number> = { ok: 0, slow: 1, stall: 2 };
  let sw: ChildServer;
  let ok: ChildServer;
  let slow: ChildServer;
  let stall: BrokenChild;
  let engine: RunningEngine;

  before(async () => {
    sw = await startChild((call): ChildReply => ({ json: { data: { ndarray: [[ROUTES[caseOf(call)] ?? 0]] } } }));
    ok = await startChild(() => ({ json: { strData: 'fine' } }));
    slow = await startChild(() => ({ delayMs: 1_000, json: { strData: 'too late' } }));
    stall = await startBrokenChild('stall');
    const graph = node('switch', 'ROUTER', sw.port, [node('ok', 'MODEL', ok.port), node('slow', 'MODEL', slow.port), node('stall', 'MODEL', stall.port)]);
    engine = await startEngine({ spec: { name: 'timeouts', graph }, annotations: 'seldon.io/rest-timeout="50"\n' });
    // Warm up (connections to the children, cold code paths): on a loaded box the very first call can need
    // more than 50 ms. The tests below measure the fault handling, not the engine's cold start.
    for (let i = 0; i < 20 && (await predict(engine, 'ok')).status !== 200; i++);
  });

  after(async () => {
    await engine?.stop();
    await Promise.all([sw, ok, slow, stall].map((c) => c?.close()));
  });

  async function assertStillServes(): Promise<void> {
    const reply = await predict(engine, 'ok');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '{"strData":"fine"}');
    assertEngineSurvived(engine);
  }

  test('a good request goes through within the 50 ms (baseline)', async () => {
    await assertStillServes();
  });

  test('child slower than seldon.io/rest-timeout=50: 504 CHILD_TIMEOUT within 150 ms, child call aborted', async () => {
    const abortedBefore = slow.aborted.length;
    const reply = await predict(engine, 'slow');
    assert.equal(reply.status, 504, reply.text);
    assert.ok(reply.ms >= 45 && reply.ms < 150, `504 after ${reply.ms.toFixed(1)} ms, expected 50..150`);
    assert.equal(reply.headers['content-type'], 'application/json');
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 504, info: '', reason: 'CHILD_TIMEOUT', status: 'FAILURE' });
    assert.match(status.info, /node "slow"/);
    assert.ok(status.info.includes(`http://127.0.0.1:${slow.port}/predict`), status.info);
    assert.match(status.info, /50 ms/);
    // The child sees its connection closed long before its own 1 s answer.
    const waited = await waitFor('the slow child to see the call aborted', () => slow.aborted.length === abortedBefore + 1, 200);
    assert.ok(reply.ms + waited < 400);
    await assertStillServes();
  });

  test('child sends headers and then stalls mid-body: 504 CHILD_TIMEOUT within 150 ms, child call aborted', async () => {
    const reply = await predict(engine, 'stall');
    assert.equal(reply.status, 504, reply.text);
    assert.ok(reply.ms >= 45 && reply.ms < 150, `504 after ${reply.ms.toFixed(1)} ms, expected 50..150`);
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 504, info: '', reason: 'CHILD_TIMEOUT', status: 'FAILURE' });
    assert.match(status.info, /node "stall"/);
    await waitFor('the stalled child to see its answer abandoned', () => stall.closedEarly() === 1, 200);
    await assertStillServes();
  });

});

describe('fan-out and cancellation (seldon.io/rest-timeout=5000)', () => {
  // comb (COMBINER) fans out to two models; their behaviour is picked by the request's strData.
  let comb: ChildServer;
  let failing: ChildServer;
  let hanging: ChildServer;
  let engine: RunningEngine;

  before(async () => {
    comb = await startChild(() => ({ json: { strData: 'combined' } }));
    failing = await startChild((call): ChildReply => {
      const c = caseOf(call);
      if (c === 'fanout') return { delayMs: 50, status: 500, body: 'model exploded\n', headers: { 'content-type': 'text/plain; charset=utf-8' } };
      if (c === 'disconnect') return { hang: true };
      return { json: { data: { ndarray: [[1]] } } };
    });
    hanging = await startChild((call): ChildReply => (caseOf(call) === 'ok' ? { json: { data: { ndarray: [[2]] } } } : { hang: true }));
    const graph = node('comb', 'COMBINER', comb.port, [node('failing', 'MODEL', failing.port), node('hanging', 'MODEL', hanging.port)]);
    engine = await startEngine({ spec: { name: 'fanout', graph }, annotations: 'seldon.io/rest-timeout="5000"\n' });
  });

  after(async () => {
    await engine?.stop();
    await Promise.all([comb, failing, hanging].map((c) => c?.close()));
  });

  async function assertStillServes(): Promise<void> {
    const reply = await predict(engine, 'ok');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '{"strData":"combined"}');
    assert.deepEqual(JSON.parse(comb.callsTo('/aggregate').at(-1)?.text ?? 'null'), [{ data: { ndarray: [[1]] } }, { data: { ndarray: [[2]] } }]);
    assertEngineSurvived(engine);
  }

  test('one child fails fast while its sibling hangs: the 500 passes through at once and the sibling is aborted', async () => {
    const reply = await predict(engine, 'fanout');
    assert.equal(reply.status, 500);
    assert.equal(reply.text, 'model exploded\n');
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.ok(reply.ms < 1_000, `answered after ${reply.ms.toFixed(0)} ms; the sibling's timeout is 5000 ms`);
    await waitFor('the hanging sibling to see its call closed', () => hanging.aborted.length === 1, 200);
    assert.equal(hanging.aborted[0]?.path, '/predict');
    assert.equal(comb.callsTo('/aggregate').length, 0);
    await assertStillServes();
  });

  test('a client that disconnects mid-request aborts every child call it caused', async () => {
    const failingAborted = failing.aborted.length;
    const hangingAborted = hanging.aborted.length;
    const failingCalls = failing.calls.length;
    const hangingCalls = hanging.calls.length;
    const req = request({ host: '127.0.0.1', port: engine.port, method: 'POST', path: PREDICTIONS, headers: { 'content-type': 'application/json' }, agent: false });
    const clientError = new Promise<Error>((resolve) => req.once('error', resolve));
    req.end(JSON.stringify({ strData: 'disconnect' }));
    await waitFor('both children to receive the call', () => failing.calls.length > failingCalls && hanging.calls.length > hangingCalls);
    req.destroy();
    const waited = await waitFor(
      'both child calls to be closed',
      () => failing.aborted.length === failingAborted + 1 && hanging.aborted.length === hangingAborted + 1,
      200,
    );
    assert.ok(waited < 200, `children saw the close ${waited.toFixed(0)} ms after the client left`);
    assert.ok((await clientError) instanceof Error);
    await assertStillServes();
  });
});

describe('default child timeout (no seldon.io/rest-timeout, --default_rest_timeout=200ms)', () => {
  let child: ChildServer;
  let engine: RunningEngine;

  before(async () => {
    child = await startChild((call): ChildReply => (caseOf(call) === 'hang' ? { hang: true } : { json: { strData: 'fine' } }));
    engine = await startEngine({ spec: { name: 'ceiling', graph: node('m', 'MODEL', child.port) }, args: ['--default_rest_timeout=200ms'] });
  });

  after(async () => {
    await engine?.stop();
    await child?.close();
  });

  test('a hanging child is cut off at the flag value: 504 CHILD_TIMEOUT', async () => {
    const reply = await predict(engine, 'hang');
    assert.equal(reply.status, 504, reply.text);
    assert.ok(reply.ms >= 190 && reply.ms < 500, `504 after ${reply.ms.toFixed(0)} ms, expected about 200`);
    const { status } = parseErrorBody(reply.text);
    assert.deepEqual({ ...status, info: '' }, { code: 504, info: '', reason: 'CHILD_TIMEOUT', status: 'FAILURE' });
    assert.match(status.info, /node "m".*within 200 ms/);
    await waitFor('the child to see the call closed', () => child.aborted.length === 1, 200);
    const good = await predict(engine, 'ok');
    assert.equal(good.status, 200);
    assert.equal(good.text, '{"strData":"fine"}');
    assertEngineSurvived(engine);
  });
});
