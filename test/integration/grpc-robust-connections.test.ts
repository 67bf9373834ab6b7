/**
 * gRPC connections that hold a file descriptor without doing anything: one that never completes the
 * HTTP/2 handshake is dropped after --headers_timeout; one with no call open for --keepalive_timeout
 * is closed gracefully (GOAWAY, NO_ERROR), never while a call is open, and a client simply reconnects
 * for its next call. None of it delays a SIGTERM drain.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';

const HANDSHAKE_MS = 500;
const IDLE_MS = 1000;
/** How long a test waits for something due at one of the timeouts above: generous, for a loaded machine. */
const WAIT_MS = 8000;
const REFLECTION = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
/** ServerReflectionRequest{list_services: ""}, framed. */
const LIST_REQUEST = Buffer.from([0, 0, 0, 0, 2, 0x3a, 0]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the ms from `since` to the 'close' event, or rejects after WAIT_MS. */
function closedAfter(emitter: Socket | ClientHttp2Session, since: () => number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine did not close the connection within ${WAIT_MS} ms`)), WAIT_MS);
    emitter.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - since());
    });
  });
}

function tcp(port: number): Promise<Socket> {
  const socket = connectTcp(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume();
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

function h2(port: number): Promise<ClientHttp2Session> {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  return new Promise((resolve) => session.once('remoteSettings', () => resolve(session)));
}

describe('gRPC connection timeouts', () => {
  let engine: RunningEngine;
  before(async () => {
    engine = await startEngine({ args: ['--demo', `--headers_timeout=${HANDSHAKE_MS}ms`, `--keepalive_timeout=${IDLE_MS}ms`] });
  });
  after(async () => {
    await engine.stop();
  });

  test('a TCP connection that sends nothing is dropped after --headers_timeout', async () => {
    const opened = performance.now();
    const socket = await tcp(engine.grpcPort);
    try {
      const ms = await closedAfter(socket, () => opened);
      assert.ok(ms >= HANDSHAKE_MS - 50, `closed after ${ms} ms, before --headers_timeout`);
    } finally {
      socket.destroy();
    }
  });

  test('a connection that sends part of the HTTP/2 preface and stops is dropped too', async () => {
    const socket = await tcp(engine.grpcPort);
    const opened = performance.now();
    try {
      socket.write('PRI * HTTP/2.0\r\n');
      const ms = await closedAfter(socket, () => opened);
      assert.ok(ms >= HANDSHAKE_MS - 50, `closed after ${ms} ms, before --headers_timeout`);
    } finally {
      socket.destroy();
    }
  });

  test('a session with no call is closed with GOAWAY (NO_ERROR) after --keepalive_timeout, not before', async () => {
    const session = await h2(engine.grpcPort);
    const ready = performance.now();
    try {
      const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
      const ms = await closedAfter(session, () => ready);
      assert.equal(await goaway, constants.NGHTTP2_NO_ERROR);
      assert.ok(ms >= IDLE_MS - 100, `closed after ${ms} ms, before --keepalive_timeout`);
    } finally {
      session.destroy();
    }
  });

  test('a call open longer than --keepalive_timeout keeps its session; the idle time counts from its end', async () => {
    const session = await h2(engine.grpcPort);
    try {
      let closed = false;
      session.once('close', () => {
        closed = true;
      });
      const stream = session.request({ ':method': 'POST', ':path': REFLECTION, 'content-type': 'application/grpc', te: 'trailers' });
      let trailers: IncomingHttpHeaders | undefined;
      stream.on('trailers', (h) => {
        trailers = h;
      });
      const answered = new Promise<void>((resolve) => stream.once('data', () => resolve()));
      stream.write(LIST_REQUEST);
      await answered;
      await sleep(IDLE_MS * 2.5);
      assert.equal(closed, false, 'the session closed under an open call');
      let ended = 0;
      const streamClosed = new Promise<void>((resolve) => stream.once('close', () => {
        ended = performance.now();
        resolve();
      }));
      stream.end();
      await streamClosed;
      assert.equal(trailers?.['grpc-status'], '0');
      const ms = await closedAfter(session, () => ended);
      assert.ok(ms >= IDLE_MS - 100, `closed ${ms} ms after the call ended, before --keepalive_timeout`);
    } finally {
      session.destroy();
    }
  });

  test('a grpc-js client whose idle connection was closed reconnects for its next call', async () => {
    const client = new SeldonGrpcClient(engine.grpcPort);
    try {
      const first = await client.call('Predict', { data: { ndarray: [[1, 2]] } });
      assert.equal(first.code, 0, first.details);
      await sleep(IDLE_MS * 2.5);
      const second = await client.call('Predict', { data: { ndarray: [[1, 2]] } });
      assert.equal(second.code, 0, second.details);
    } finally {
      client.close();
    }
  });
});

test('connections waiting for their handshake or idle do not delay a SIGTERM drain (default timeouts)', async () => {
  const engine = await startEngine({ args: ['--demo', '--graceful_timeout=20s'] });
  try {
    const silent = await tcp(engine.grpcPort);
    const idle = await h2(engine.grpcPort);
    const signalled = performance.now();
    const code = await engine.stop('SIGTERM');
    const ms = performance.now() - signalled;
    assert.equal(code, 0);
    // Well under --headers_timeout (10 s): the drain closed them, not their timers.
    assert.ok(ms < 5000, `exit took ${ms} ms`);
    silent.destroy();
    idle.destroy();
  } finally {
    if (engine.process.exitCode === null && engine.process.signalCode === null) await engine.stop('SIGKILL');
  }
});
