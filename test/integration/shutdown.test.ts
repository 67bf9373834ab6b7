/**
 * Graceful shutdown (reference 9.5 with readiness fixed; reliability R7): on SIGTERM readiness turns
 * 503 at once, the listener stays open for --shutdown_delay, in-flight requests finish, and the exit
 * code says whether they all did within --graceful_timeout.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { restEndpoint, startChild, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { rawRequest, waitFor, type RawReply } from '../helpers/raw-http';

const PREDICTIONS = '/api/v1.0/predictions';
const CHILD_DELAY_MS = 800;

let child: ChildServer | undefined;
let engine: RunningEngine | undefined;

afterEach(async () => {
  if (engine !== undefined && engine.process.exitCode === null && engine.process.signalCode === null) await engine.stop('SIGKILL');
  await child?.close();
  engine = undefined;
  child = undefined;
});

function spec(port: number): unknown {
  return { name: 'shutdown', graph: { name: 'm', type: 'MODEL', endpoint: restEndpoint(port), children: [] } };
}

function predict(port: number, i: number): Promise<RawReply> {
  return rawRequest(port, { method: 'POST', path: PREDICTIONS, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ strData: `req-${i}` }) });
}

/** Resolves with the error code of a TCP connect to the port ('connected' if it succeeded). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('SIGTERM drains: /ready 503 during --shutdown_delay, every in-flight request answers 200, exit 0', async () => {
  child = await startChild((call) => ({ delayMs: CHILD_DELAY_MS, json: { strData: `done ${JSON.parse(call.text).strData as string}` } }));
  engine = await startEngine({ spec: spec(child.port), args: ['--shutdown_delay=300ms', '--graceful_timeout=5s'] });
  const { port } = engine;
  const before = await rawRequest(port, { path: '/ready', headers: { connection: 'keep-alive' } });
  assert.equal(before.status, 200);
  assert.equal(before.headers.connection, 'keep-alive');

  const inFlight = [0, 1, 2, 3].map((i) => predict(port, i));
  await waitFor('the child to receive the 4 requests', () => child?.calls.length === 4);

  const signalled = performance.now();
  const exited = engine.stop('SIGTERM');

  // Readiness turns 503 at once (the signal takes a moment to arrive), while the listener is still open.
  let ready: RawReply | undefined;
  while (performance.now() - signalled < 200) {
    const reply = await rawRequest(port, { path: '/ready' });
    if (reply.status === 503) {
      ready = reply;
      break;
    }
  }
  assert.ok(ready !== undefined, '/ready did not turn 503 within 200 ms of SIGTERM');
  assert.equal(ready.body.length, 0);
  assert.ok(performance.now() - signalled < 300, 'the 503 came after the shutdown delay');
  // Still live, and a client asking for keep-alive is told the connection closes.
  const live = await rawRequest(port, { path: '/live', headers: { connection: 'keep-alive' } });
  assert.equal(live.status, 200);
  assert.equal(live.headers.connection, 'close');

  // A request that arrives during the delay is still served.
  const late = predict(port, 4);
  await waitFor('the child to receive the late request', () => child?.calls.length === 5);

  // After the delay the listener is closed: new connections are refused while the drain goes on.
  await sleep(Math.max(0, signalled + 450 - performance.now()));
  assert.equal(await tryConnect(port), 'ECONNREFUSED');
  assert.equal(engine.process.exitCode, null, 'the engine exited before its in-flight requests finished');

  const replies = await Promise.all([...inFlight, late]);
  assert.deepEqual(replies.map((r) => [r.status, r.text]), [0, 1, 2, 3, 4].map((i) => [200, `{"strData":"done req-${i}"}`]));
  assert.equal(await exited, 0);
  const took = performance.now() - signalled;
  assert.ok(took < 300 + 2 * CHILD_DELAY_MS + 1_000, `exit ${took.toFixed(0)} ms after SIGTERM`);
  assert.equal(child.aborted.length, 0);
  assert.ok(engine.output.some((l) => l.includes('shutdown complete')), engine.output.join('\n'));
});

test('a child stuck past --graceful_timeout: exit code 1 at the timeout, naming the open connections', async () => {
  child = await startChild(() => ({ hang: true }));
  engine = await startEngine({ spec: spec(child.port), args: ['--graceful_timeout=300ms'] });
  const stuck = predict(engine.port, 0).then(
    (r) => `answered ${r.status}`,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
  await waitFor('the child to receive the request', () => child?.calls.length === 1);
  const signalled = performance.now();
  const code = await engine.stop('SIGTERM');
  const took = performance.now() - signalled;
  assert.equal(code, 1);
  assert.ok(took >= 290 && took < 1_300, `exit ${took.toFixed(0)} ms after SIGTERM, expected about 300`);
  assert.ok(engine.output.some((l) => l.includes('graceful_timeout exceeded') && l.includes('"open_connections":1')), engine.output.join('\n'));
  assert.equal(await stuck, 'ECONNRESET');
});

test('connections that never send a whole request do not hold the drain: exit 0 well before --graceful_timeout', async () => {
  child = await startChild(() => ({ json: { strData: 'ok' } }));
  engine = await startEngine({ spec: spec(child.port), args: ['--graceful_timeout=5s'] });
  const { port } = engine;
  // A TCP probe that connects and says nothing, and a client stuck in the middle of its headers.
  const silent = connect({ host: '127.0.0.1', port });
  const partial = connect({ host: '127.0.0.1', port });
  const closed = [silent, partial].map((s) => {
    s.on('error', () => undefined);
    return new Promise<void>((resolve) => s.once('close', () => resolve()));
  });
  await Promise.all([silent, partial].map((s) => new Promise((resolve) => s.once('connect', resolve))));
  partial.write(`POST ${PREDICTIONS} HTTP/1.1\r\nHost: engine\r\n`);
  assert.equal((await predict(port, 0)).status, 200);

  const signalled = performance.now();
  const code = await engine.stop('SIGTERM');
  const took = performance.now() - signalled;
  await Promise.all(closed);
  assert.equal(code, 0, engine.output.join('\n'));
  assert.ok(took < 2_500, `exit ${took.toFixed(0)} ms after SIGTERM; --graceful_timeout is 5000 ms`);
});

test('a second SIGTERM, or a SIGINT, during the drain is ignored: requests in flight still finish, exit 0', async () => {
  child = await startChild((call) => ({ delayMs: CHILD_DELAY_MS, json: { strData: `done ${JSON.parse(call.text).strData as string}` } }));
  engine = await startEngine({ spec: spec(child.port), args: ['--shutdown_delay=0s', '--graceful_timeout=5s'] });
  const running = engine;
  const inFlight = [0, 1].map((i) => predict(running.port, i));
  await waitFor('the child to receive the 2 requests', () => child?.calls.length === 2);
  const exited = running.stop('SIGTERM');
  await sleep(100);
  running.process.kill('SIGTERM');
  running.process.kill('SIGINT');
  await sleep(100);
  assert.equal(running.process.exitCode, null, 'a second signal ended the drain');
  assert.equal(running.process.signalCode, null, 'a second signal killed the engine');
  const replies = await Promise.all(inFlight);
  assert.deepEqual(replies.map((r) => r.status), [200, 200]);
  assert.equal(await exited, 0);
  assert.ok(running.output.some((l) => l.includes('already shutting down; signal ignored')), running.output.join('\n'));
});
