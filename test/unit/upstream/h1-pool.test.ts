/**
 * The keep-alive HTTP/1.1 connection pool of REST child calls (src/upstream/h1-pool.ts), against
 * real servers on 127.0.0.1 (test/helpers/raw-child.ts). HttpUpstream, built on it, has its own file.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { H1Pool, socketErrorText, type H1FailureKind, type H1Handler } from '../../../src/upstream/h1-pool';
import type { ResponseHead } from '../../../src/upstream/h1-response';
import { closedPort } from '../../helpers/child-server';
import { httpChild, OK, rawServer } from '../../helpers/raw-child';
import { stalledChild } from '../../helpers/stalled-child';

// ---------------------------------------------------------------------------------------------
// Clients

interface Outcome {
  readonly heads: ResponseHead[];
  readonly body: string;
  readonly ends: boolean[];
  readonly error: { readonly kind: H1FailureKind; readonly message: string } | undefined;
}

/**
 * Handler calls after a call settled. Recorded, not thrown: a throw inside a handler would surface
 * as the pool's error for that call (or nowhere), not as a test failure. Checked once at the end.
 */
const violations: string[] = [];
after(() => assert.deepEqual(violations, [], 'a handler was called after its call settled'));

/** A handler that records what it is told; `outcome` resolves at onEnd or onError. */
function recorder(): { handler: H1Handler; outcome: Promise<Outcome>; settled: () => boolean } {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  const ends: boolean[] = [];
  let settled = false;
  let resolve: (o: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((r) => {
    resolve = r;
  });
  const handler: H1Handler = {
    onHead: (head) => heads.push(head),
    onBody: (chunk) => body.push(Buffer.from(chunk)),
    onEnd: (reusable) => {
      if (settled) violations.push(`onEnd(${String(reusable)}) after the call settled`);
      settled = true;
      ends.push(reusable);
      resolve({ heads, body: Buffer.concat(body).toString('latin1'), ends, error: undefined });
    },
    onError: (kind, message) => {
      if (settled) violations.push(`onError(${kind}, ${message}) after the call settled`);
      settled = true;
      resolve({ heads, body: Buffer.concat(body).toString('latin1'), ends, error: { kind, message } });
    },
  };
  return { handler, outcome, settled: () => settled };
}

function newPool(port: number, keepAliveMs = 30_000): H1Pool {
  return new H1Pool('127.0.0.1', port, { connectTimeoutMs: 1000, keepAliveMs });
}

/** Sends a GET for `path` and waits for its outcome. */
function get(pool: H1Pool, path = '/'): Promise<Outcome> {
  const { handler, outcome } = recorder();
  pool.send(`GET ${path} HTTP/1.1\r\nhost: ${pool.authority}\r\n\r\n`, undefined, handler);
  return outcome;
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure saying `late` if it has not settled within `ms`; its timer is cleared, so it keeps nothing running. */
async function within<T>(ms: number, late: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: late })), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------

describe('H1Pool: the request on the wire', { timeout: 5000 }, () => {
  test('H1Pool.send writes the head then every body chunk, in order', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const pool = newPool(server.port);
    try {
      assert.equal(pool.authority, `127.0.0.1:${server.port}`);
      const { handler, outcome } = recorder();
      const chunks = Array.from({ length: 20 }, (_, i) => Buffer.from(`<${i}>`));
      const size = chunks.reduce((n, c) => n + c.length, 0);
      const head = `POST /p HTTP/1.1\r\nhost: ${pool.authority}\r\ncontent-length: ${size}\r\n\r\n`;
      pool.send(head, chunks, handler);
      const out = await outcome;
      assert.equal(out.error, undefined);
      assert.equal(out.body, 'ok');
      assert.deepEqual(out.ends, [true]);
      assert.equal(Buffer.concat(server.connections[0]?.data ?? []).toString('latin1'), head + Buffer.concat(chunks).toString('latin1'));
    } finally {
      await pool.close();
      await server.close();
    }
  });

});

describe('H1Pool: connections', { timeout: 5000 }, () => {
  test('aborting a finished request does not touch the next request on the same connection', async () => {
    const server = await rawServer((req) => {
      if (req.head.startsWith('GET /slow')) setTimeout(() => req.socket.write(OK), 50);
      else req.socket.write(OK);
    });
    const pool = newPool(server.port);
    try {
      const first = recorder();
      const exchange = pool.send(`GET /fast HTTP/1.1\r\nhost: ${pool.authority}\r\n\r\n`, undefined, first.handler);
      assert.equal((await first.outcome).body, 'ok');
      const second = recorder();
      pool.send(`GET /slow HTTP/1.1\r\nhost: ${pool.authority}\r\n\r\n`, undefined, second.handler);
      exchange.abort(); // late: the first request is over, its connection now carries the second
      // Bounded: if the abort killed the second request its handler is never called, and the test must fail, not hang.
      const out = await Promise.race([second.outcome, tick(1000).then((): never => assert.fail('the second request never ended'))]);
      assert.equal(out.error, undefined);
      assert.equal(out.body, 'ok');
      assert.equal(server.connections.length, 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('a Keep-Alive: timeout=1 hint: reused within 0.5 s, not after', async () => {
    const server = await rawServer((req) => req.socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'));
    const pool = newPool(server.port);
    try {
      assert.equal((await get(pool)).heads[0]?.keepAliveMs, 1000);
      await tick(100);
      await get(pool);
      assert.equal(server.connections.length, 1, 'reused 100 ms later');
      await tick(600);
      const late = await get(pool);
      assert.equal(late.body, 'ok');
      assert.equal(server.connections.length, 2, 'not reused 700 ms after its last answer');
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('a handler that throws: the call fails as internal, not as the child\'s fault, and the pool goes on', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const pool = newPool(server.port);
    try {
      const { handler, outcome } = recorder();
      const throwing: H1Handler = { ...handler, onHead: () => { throw new TypeError('bug in a handler'); } };
      pool.send(`GET / HTTP/1.1\r\nhost: ${pool.authority}\r\n\r\n`, undefined, throwing);
      const out = await outcome;
      assert.equal(out.error?.kind, 'internal');
      assert.match(out.error?.message ?? '', /bug in a handler/);
      assert.equal((await get(pool)).body, 'ok');
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('socketErrorText: an AggregateError with an empty message (every address refused) gives its errors\' messages', () => {
    const refused = (address: string): Error => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const aggregate = Object.assign(new AggregateError([refused('::1:9000'), refused('127.0.0.1:9000')], ''), { code: 'ECONNREFUSED' });
    assert.equal(socketErrorText(aggregate), 'connect ECONNREFUSED ::1:9000; connect ECONNREFUSED 127.0.0.1:9000');
    assert.equal(socketErrorText(Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
    assert.equal(socketErrorText(new Error('read ECONNRESET')), 'read ECONNRESET');
  });

  test('two sequential requests reuse one connection', async () => {
    const child = await httpChild((req, _body, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`you asked ${req.url ?? ''}`);
    });
    const pool = newPool(child.port);
    try {
      const first = await get(pool, '/one');
      const second = await get(pool, '/two');
      assert.equal(first.body, 'you asked /one');
      assert.equal(second.body, 'you asked /two');
      assert.deepEqual(first.ends, [true]);
      assert.deepEqual(second.ends, [true]);
      assert.equal(first.heads[0]?.keepAliveMs, 5000, 'node:http announces Keep-Alive: timeout=5');
      assert.equal(child.connections(), 1);
    } finally {
      await pool.close();
      await child.close();
    }
  });

  test('concurrent requests open separate connections', async () => {
    const server = await rawServer();
    const pool = newPool(server.port);
    try {
      const calls = [get(pool, '/a'), get(pool, '/b'), get(pool, '/c')];
      // All three are in flight at the server before any is answered.
      await Promise.all([server.request(0), server.request(1), server.request(2)]);
      assert.equal(server.connections.length, 3);
      assert.deepEqual(new Set(server.requests.map((r) => r.connection)), new Set([0, 1, 2]));
      for (const req of server.requests) req.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${req.head.slice(5, 6)}!`);
      const outs = await Promise.all(calls);
      assert.deepEqual(outs.map((o) => o.body), ['a!', 'b!', 'c!']);
      // Afterwards all three are idle and reused: three more calls open no new connection.
      const again = [get(pool, '/d'), get(pool, '/e'), get(pool, '/f')];
      await Promise.all([server.request(3), server.request(4), server.request(5)]);
      for (const req of server.requests.slice(3)) req.socket.write(OK);
      await Promise.all(again);
      assert.equal(server.connections.length, 3);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('an answer with Connection: close gets a new connection next time', async () => {
    const server = await rawServer((req) => req.socket.write(req.connection === 0 ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok' : OK));
    const pool = newPool(server.port);
    try {
      const first = await get(pool);
      assert.equal(first.body, 'ok');
      assert.deepEqual(first.ends, [false]);
      // The pool itself drops that connection (the server left it open).
      await server.connections[0]?.closed;
      const second = await get(pool);
      assert.equal(second.body, 'ok');
      assert.deepEqual(second.ends, [true]);
      assert.equal(server.connections.length, 2);
      assert.equal(server.requests[1]?.connection, 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('a server closing an idle kept-alive connection: the next request succeeds on a new connection', async () => {
    const server = await rawServer((req) => {
      req.socket.write(OK);
      if (req.connection === 0) setImmediate(() => req.socket.end());
    });
    const pool = newPool(server.port);
    try {
      const first = await get(pool);
      assert.deepEqual(first.ends, [true]);
      // Wait until the close has been seen on both sides.
      await server.connections[0]?.closed;
      const second = await get(pool);
      assert.equal(second.error, undefined);
      assert.equal(second.body, 'ok');
      assert.equal(server.connections.length, 2);
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[1]?.connection, 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('bytes a server sends on an idle connection get that connection dropped; the next request uses a new one', async () => {
    const server = await rawServer((req) => {
      req.socket.write(OK);
      if (req.connection === 0) setTimeout(() => req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale'), 5);
    });
    const pool = newPool(server.port);
    try {
      const first = await get(pool);
      assert.deepEqual(first.ends, [true]);
      await server.connections[0]?.closed; // the pool closed it on the stray bytes
      const second = await get(pool);
      assert.equal(second.error, undefined);
      assert.equal(second.body, 'ok', 'not the stray answer');
      assert.equal(server.connections.length, 2);
      assert.equal(server.requests[1]?.connection, 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('idle connections older than keepAliveMs are not reused', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const pool = newPool(server.port, 20);
    try {
      await get(pool);
      await tick(40);
      const second = await get(pool);
      assert.equal(second.body, 'ok');
      assert.equal(server.connections.length, 2);
      await server.connections[0]?.closed;
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('idle connections past keepAliveMs are closed by the sweep, without another send; the sweep stops when none is idle', async (t) => {
    // Spied on (the originals still run) to see the pool clear its sweeper once nothing is idle: an
    // unref'd interval left ticking would hang nothing and show nowhere else.
    const armed = t.mock.method(globalThis, 'setInterval');
    const cleared = t.mock.method(globalThis, 'clearInterval');
    const server = await rawServer((req) => req.socket.write(OK));
    const pool = new H1Pool('127.0.0.1', server.port, { connectTimeoutMs: 1000, keepAliveMs: 100, sweepIntervalMs: 50 });
    const closedBySweep = async (n: number): Promise<number> => {
      const start = performance.now();
      const conn = server.connections[n];
      assert.ok(conn !== undefined, `no connection ${n}`);
      await within(1000, `connection ${n} still open 1 s after its answer`, conn.closed);
      return performance.now() - start;
    };
    try {
      assert.equal((await get(pool)).body, 'ok');
      const first = await closedBySweep(0);
      assert.ok(first >= 90, `closed ${first.toFixed(0)} ms after its answer, before its keep-alive ran out`);
      // A second idle connection arms the sweeper again and is closed the same way.
      assert.equal((await get(pool)).body, 'ok');
      await closedBySweep(1);
      assert.equal(server.connections.length, 2);
      const sweepers = armed.mock.calls.filter((c) => c.arguments[1] === 50).map((c) => c.result);
      assert.equal(sweepers.length, 2, 'one sweeper per stretch of idle connections');
      for (const sweeper of sweepers) assert.ok(cleared.mock.calls.some((c) => c.arguments[0] === sweeper), 'a sweeper kept running with nothing idle');
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('a server\'s Keep-Alive hint shortens how long a connection stays idle', async () => {
    const server = await rawServer((req) => req.socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=0\r\nContent-Length: 2\r\n\r\nok'));
    const pool = newPool(server.port);
    try {
      const first = await get(pool);
      assert.equal(first.heads[0]?.keepAliveMs, 0);
      assert.deepEqual(first.ends, [true]);
      const second = await get(pool);
      assert.equal(second.body, 'ok');
      assert.equal(server.connections.length, 2, 'a connection the server keeps for 0 s was reused');
    } finally {
      await pool.close();
      await server.close();
    }
  });
});

describe('H1Pool: failures', { timeout: 5000 }, () => {
  test('connection refused: onError(\'unreachable\') naming ECONNREFUSED', async () => {
    const pool = newPool(await closedPort());
    try {
      const out = await get(pool);
      assert.equal(out.error?.kind, 'unreachable');
      assert.match(out.error?.message ?? '', /ECONNREFUSED/);
      assert.deepEqual(out.heads, []);
      assert.deepEqual(out.ends, []);
    } finally {
      await pool.close();
    }
  });

  test('a handshake that never completes: onError(\'connect-timeout\') after connectTimeoutMs, and the pool goes on', async () => {
    const child = await stalledChild();
    const pool = new H1Pool('127.0.0.1', child.port, { connectTimeoutMs: 200, keepAliveMs: 30_000 });
    try {
      const start = performance.now();
      // Bounded: without the connect timer the call would wait for the kernel's SYN retries.
      const out = await within(2000, 'no outcome 2 s after the send', get(pool));
      const elapsed = performance.now() - start;
      assert.equal(out.error?.kind, 'connect-timeout');
      assert.match(out.error?.message ?? '', /200 ms/);
      assert.deepEqual(out.heads, []);
      assert.deepEqual(out.ends, []);
      // The pool's timer counts from the event loop's cached time, which may be a little behind `start`.
      assert.ok(elapsed >= 190 && elapsed < 1000, `failed after ${elapsed.toFixed(0)} ms`);
      await child.release();
      const next = await get(pool);
      assert.equal(next.error, undefined);
      assert.equal(next.body, 'ok');
    } finally {
      // The child first: once it is gone, a connection still trying (were the timer missing) is refused, so close() ends.
      await child.close();
      await pool.close();
    }
  });

  test('the server closing in the middle of the answer: \'unreachable\'', async () => {
    const server = await rawServer((req) => req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const pool = newPool(server.port);
    try {
      const out = await get(pool);
      assert.equal(out.error?.kind, 'unreachable');
      assert.match(out.error?.message ?? '', /in the middle/);
      assert.equal(out.heads[0]?.status, 200);
      assert.equal(out.body, 'abc');
      assert.deepEqual(out.ends, []);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('the server closing before any answer: \'unreachable\'', async () => {
    const server = await rawServer((req) => req.socket.end());
    const pool = newPool(server.port);
    try {
      const out = await get(pool);
      assert.equal(out.error?.kind, 'unreachable');
      assert.match(out.error?.message ?? '', /before any answer/);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('a malformed answer: \'bad-response\', and the connection is dropped', async () => {
    const server = await rawServer((req) => req.socket.write(req.connection === 0 ? 'SSH-2.0-OpenSSH_9.6\r\n\r\n' : OK));
    const pool = newPool(server.port);
    try {
      const out = await get(pool);
      assert.equal(out.error?.kind, 'bad-response');
      assert.match(out.error?.message ?? '', /status line/);
      await server.connections[0]?.closed;
      const next = await get(pool);
      assert.equal(next.body, 'ok');
      assert.equal(server.connections.length, 2);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('close() waits for busy calls; after it resolves, a new send gets onError(\'unreachable\')', async () => {
    const server = await rawServer();
    const pool = newPool(server.port);
    try {
      const idle = await (async () => {
        const p = get(pool, '/idle');
        (await server.request(0)).socket.write(OK);
        return p;
      })();
      assert.deepEqual(idle.ends, [true]);
      const busy = get(pool, '/busy'); // reuses the idle connection
      const req = await server.request(1);
      let closed = false;
      const closing = pool.close().then(() => {
        closed = true;
      });
      await tick(10);
      assert.equal(closed, false, 'close() resolved while a call was in flight');
      req.socket.write(OK);
      const out = await busy;
      assert.equal(out.body, 'ok');
      await closing;
      assert.equal(closed, true);
      await server.connections[0]?.closed; // the connection is not kept
      const late = recorder();
      pool.send(`GET / HTTP/1.1\r\nhost: ${pool.authority}\r\n\r\n`, undefined, late.handler);
      const lateOut = await late.outcome;
      assert.equal(lateOut.error?.kind, 'unreachable');
      await tick(10);
      assert.equal(server.connections.length, 1, 'no connection opened after close()');
    } finally {
      await pool.close();
      await server.close();
    }
  });
  test('close() called twice while a call is in flight: both promises resolve once it ends', async () => {
    const server = await rawServer();
    const pool = newPool(server.port);
    try {
      const busy = get(pool);
      const req = await server.request(0);
      const resolved: string[] = [];
      const first = pool.close().then(() => resolved.push('first'));
      const second = pool.close().then(() => resolved.push('second'));
      req.socket.write(OK);
      assert.equal((await busy).body, 'ok');
      await Promise.race([Promise.all([first, second]), tick(100)]);
      assert.deepEqual(resolved.sort(), ['first', 'second']);
    } finally {
      await server.close();
    }
  });
});
