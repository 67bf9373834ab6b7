/**
 * The raw `node:http2` gRPC client of child calls (src/upstream/grpc*.ts), against real servers: a
 * grpc-js model server for the ordinary paths and a scripted raw HTTP/2 server for what a real gRPC
 * server rarely sends (trailers-only answers, resets, bad frames, dropped connections).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Cancel } from '../../../src/graph/cancel';
import { GrpcUpstream, type GrpcCall } from '../../../src/upstream/grpc';
import { grpcTimeout, requestHeaders } from '../../../src/upstream/grpc-headers';
import { closedPort } from '../../helpers/child-server';
import { startGrpcChild } from '../../helpers/grpc-child';
import { answerOk, grpcFrame, startH2Child, type H2Child } from '../../helpers/h2-child';
import { rejected } from '../../helpers/rejected';

const PREDICT = '/seldon.protos.Model/Predict';
/** SeldonMessage{strData: "hi"} */
const HI = Buffer.from([0x2a, 0x02, 0x68, 0x69]);

interface Observed {
  readonly method: string;
  readonly code: string;
}

function client(options: { maxMessageBytes?: number; channels?: number; pingTimeoutMs?: number } = {}): { grpc: GrpcUpstream; observed: Observed[]; call: (port: number, extra?: Partial<GrpcCall>) => Promise<Buffer> } {
  const grpc = new GrpcUpstream({ maxMessageBytes: options.maxMessageBytes ?? 2147483647, channelsPerTarget: options.channels ?? 2, pingTimeoutMs: options.pingTimeoutMs ?? 5000 });
  const observed: Observed[] = [];
  const call = (port: number, extra: Partial<GrpcCall> = {}): Promise<Buffer> => grpc.target(`127.0.0.1:${port}`).unary({
    method: PREDICT, body: HI, headers: { 'seldon-puid': 'p-1' }, timeoutMs: 2000, deadline: undefined, signal: new Cancel(), node: 'm', ...extra,
  }, (method, code) => observed.push({ method, code })).then((chunks) => Buffer.concat(chunks));
  return { grpc, observed, call };
}

describe('gRPC child calls over a grpc-js server', () => {
  const { grpc, observed, call } = client();
  after(() => grpc.close());

  test('answer bytes come back unchanged; metadata is forwarded, reserved and invalid keys dropped', async () => {
    const child = await startGrpcChild((c) => ({ raw: c.bytes }));
    try {
      const body = await call(child.port, {
        headers: {
          'seldon-puid': 'p-1', 'x-many': ['a', 'b'], 'x-trace-bin': Buffer.from([1, 2, 3]).toString('base64'),
          'user-agent': 'caller/1', 'grpc-timeout': '1S', 'content-type': 'application/json', te: 'gzip', 'x-latin': 'caf\u00e9', 'Bad Key': 'v',
        },
      });
      assert.ok(body.equals(HI));
      const md = child.calls[0]?.metadata;
      assert.deepEqual(md?.get('seldon-puid'), ['p-1']);
      // Node's HTTP/2 server joins a repeated header, so grpc-js servers see one value (as with a grpc-js client).
      assert.deepEqual(md?.get('x-many'), ['a, b']);
      assert.deepEqual(md?.get('x-trace-bin'), [Buffer.from([1, 2, 3])]);
      assert.deepEqual(md?.get('x-latin'), []);
      assert.notDeepEqual(md?.get('user-agent'), ['caller/1']);
      assert.deepEqual(observed.at(-1), { method: PREDICT, code: 'OK' });
    } finally {
      await child.close();
    }
  });

  test('a 3 MB answer arrives in many DATA frames and is reassembled', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    // SeldonMessage{binData: big}: field 4, length-delimited.
    const message = Buffer.concat([Buffer.from([0x22, 0x80, 0x80, 0xc0, 0x01]), big]);
    const child = await startGrpcChild(() => ({ raw: message }));
    try {
      const body = await call(child.port, { body: message });
      assert.ok(body.equals(message));
      assert.ok(child.calls[0]?.bytes.equals(message), 'the child got other bytes');
    } finally {
      await child.close();
    }
  });

  test('a child status passes through with its code and details', async () => {
    const child = await startGrpcChild(() => ({ code: grpcStatus.NOT_FOUND, details: 'no such model: 100% sure' }));
    try {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_STATUS');
      assert.equal(err.grpcCode, grpcStatus.NOT_FOUND);
      assert.equal(err.grpcMessage, 'no such model: 100% sure');
      assert.equal(err.httpStatus, 404);
      assert.deepEqual(observed.at(-1), { method: PREDICT, code: 'NotFound' });
    } finally {
      await child.close();
    }
  });

  test('own timeout: CHILD_TIMEOUT on time, grpc-timeout sent, the child sees the call cancelled', async () => {
    const child = await startGrpcChild(() => ({ hang: true }));
    try {
      const started = performance.now();
      const err = await rejected(call(child.port, { timeoutMs: 100 }));
      const ms = performance.now() - started;
      assert.equal(err.code, 'CHILD_TIMEOUT');
      assert.equal(err.message, `node "m": ${PREDICT} at 127.0.0.1:${child.port} did not answer within 100 ms`);
      assert.ok(ms >= 95 && ms < 400, `took ${ms.toFixed(0)} ms`);
      assert.deepEqual(observed.at(-1), { method: PREDICT, code: 'DeadlineExceeded' });
      const deadline = child.calls[0]?.metadata.get('grpc-timeout');
      // grpc-js parses the header into the call's deadline rather than metadata; either way no error.
      assert.ok(deadline !== undefined);
      await waitUntil(() => child.cancelled.length === 1);
    } finally {
      await child.close();
    }
  });

  test('the caller\'s deadline, earlier than the own timeout, ends the call', async () => {
    const child = await startGrpcChild(() => ({ hang: true }));
    try {
      const err = await rejected(call(child.port, { timeoutMs: 5000, deadline: Date.now() + 80 }));
      assert.equal(err.code, 'CHILD_TIMEOUT');
      assert.match(err.message, /did not answer before the caller's deadline$/);
    } finally {
      await child.close();
    }
  });

  test('a deadline already past fails at once, without a call', async () => {
    const child = await startGrpcChild(() => ({ raw: HI }));
    try {
      const err = await rejected(call(child.port, { deadline: Date.now() - 1 }));
      assert.equal(err.code, 'CHILD_TIMEOUT');
      assert.equal(child.calls.length, 0);
    } finally {
      await child.close();
    }
  });

  test('cancellation: CLIENT_CLOSED, and the child sees the call cancelled', async () => {
    const child = await startGrpcChild(() => ({ hang: true }));
    try {
      const cancel = new Cancel();
      const pending = call(child.port, { signal: cancel });
      await waitUntil(() => child.calls.length === 1);
      cancel.abort(new Error('gone'));
      const err = await rejected(pending);
      assert.equal(err.code, 'CLIENT_CLOSED');
      assert.deepEqual(observed.at(-1), { method: PREDICT, code: 'Canceled' });
      await waitUntil(() => child.cancelled.length === 1);
      // Already aborted: no call at all.
      assert.equal((await rejected(call(child.port, { signal: cancel }))).code, 'CLIENT_CLOSED');
      assert.equal(child.calls.length, 1);
    } finally {
      await child.close();
    }
  });
});

describe('max message size', () => {
  const { grpc, call } = client({ maxMessageBytes: 100 });
  after(() => grpc.close());

  test('an answer over the limit: RESOURCE_EXHAUSTED with grpc-js\'s wording, the child\'s stream cancelled', async () => {
    const child = await startH2Child((c) => answerOk(c.stream, grpcFrame(Buffer.alloc(200, 1))));
    try {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_STATUS');
      assert.equal(err.grpcCode, grpcStatus.RESOURCE_EXHAUSTED);
      assert.equal(err.grpcMessage, 'Received message larger than max (200 vs 100)');
    } finally {
      await child.close();
    }
  });

  test('a request over the limit is refused before any call', async () => {
    const child = await startH2Child((c) => answerOk(c.stream, grpcFrame(HI)));
    try {
      const err = await rejected(call(child.port, { body: Buffer.alloc(101) }));
      assert.equal(err.grpcCode, grpcStatus.RESOURCE_EXHAUSTED);
      assert.equal(err.grpcMessage, 'Attempted to send message with a size larger than 100');
      assert.equal(child.calls.length, 0);
      // At the limit it goes.
      assert.ok((await call(child.port, { body: Buffer.alloc(100) })).equals(HI));
    } finally {
      await child.close();
    }
  });
});

describe('answers of a raw HTTP/2 child', () => {
  const { grpc, observed, call } = client();
  after(() => grpc.close());

  const withChild = async (script: Parameters<typeof startH2Child>[0], check: (child: H2Child) => Promise<void>): Promise<void> => {
    const child = await startH2Child(script);
    try {
      await check(child);
    } finally {
      await child.close();
    }
  };

  test('the request: POST, path, application/grpc, te: trailers, grpc-timeout, one length-prefixed message', () => withChild(
    (c) => answerOk(c.stream, grpcFrame(HI)),
    async (child) => {
      await call(child.port, { timeoutMs: 1500 });
      const h = child.calls[0]?.headers;
      assert.equal(h?.[':method'], 'POST');
      assert.equal(h?.[':path'], PREDICT);
      assert.equal(h?.['content-type'], 'application/grpc');
      assert.equal(h?.te, 'trailers');
      assert.match(String(h?.['grpc-timeout']), /^1[45]\d\dm$/);
      assert.equal(h?.['seldon-puid'], 'p-1');
      assert.ok((await child.calls[0]?.body)?.equals(grpcFrame(HI)));
    },
  ));

  test('a trailers-only answer: the status in the headers, message percent-decoded', () => withChild(
    (c) => c.stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'model%20m%20not%20loaded' }, { endStream: true }),
    async (child) => {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_STATUS');
      assert.equal(err.grpcCode, grpcStatus.NOT_FOUND);
      assert.equal(err.grpcMessage, 'model m not loaded');
    },
  ));

  test('a status OK in trailers-only headers, without a message: CHILD_BAD_RESPONSE', () => withChild(
    (c) => c.stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true }),
    async (child) => {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_BAD_RESPONSE');
      assert.match(err.message, /answered OK with no message$/);
    },
  ));

  const badFrames: ReadonlyArray<readonly [what: string, data: Buffer, message: RegExp]> = [
    ['a compressed message', grpcFrame(HI, 1), /compressed message/],
    ['a flag byte of 7', grpcFrame(HI, 7), /flag byte 7/],
    ['a truncated message', grpcFrame(HI).subarray(0, 7), /truncated message \(2 of 4 bytes\)/],
    ['a truncated prefix', Buffer.from([0, 0]), /truncated message \(2 bytes\)/],
    ['two messages', Buffer.concat([grpcFrame(HI), grpcFrame(HI)]), /more than one message/],
  ];
  for (const [what, data, message] of badFrames) {
    test(`${what}: CHILD_BAD_RESPONSE naming the node`, () => withChild(
      (c) => answerOk(c.stream, data),
      async (child) => {
        const err = await rejected(call(child.port));
        assert.equal(err.code, 'CHILD_BAD_RESPONSE');
        assert.ok(err.message.startsWith(`node "m": ${PREDICT} at 127.0.0.1:${child.port} answered`), err.message);
        assert.match(err.message, message);
        assert.deepEqual(observed.at(-1), { method: PREDICT, code: 'Internal' });
      },
    ));
  }

  test('an answer that ends without any status: CHILD_BAD_RESPONSE', () => withChild(
    (c) => {
      c.stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      c.stream.end(grpcFrame(HI));
    },
    async (child) => {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_BAD_RESPONSE');
      assert.match(err.message, /without gRPC status/);
    },
  ));

  test('an HTTP 404 without a gRPC status: UNIMPLEMENTED, as grpc-js maps it', () => withChild(
    (c) => c.stream.respond({ ':status': 404 }, { endStream: true }),
    async (child) => {
      const err = await rejected(call(child.port));
      assert.equal(err.code, 'CHILD_STATUS');
      assert.equal(err.grpcCode, grpcStatus.UNIMPLEMENTED);
      assert.equal(err.grpcMessage, 'Received HTTP status code 404');
    },
  ));

  test('an HTTP 503 without a gRPC status: UNAVAILABLE (CHILD_UNREACHABLE)', () => withChild(
    (c) => c.stream.respond({ ':status': 503 }, { endStream: true }),
    async (child) => assert.equal((await rejected(call(child.port))).code, 'CHILD_UNREACHABLE'),
  ));

  test('RST_STREAM REFUSED_STREAM: UNAVAILABLE; INTERNAL_ERROR: INTERNAL', () => withChild(
    (c) => c.stream.close(c.headers['x-rst'] === 'refused' ? constants.NGHTTP2_REFUSED_STREAM : constants.NGHTTP2_INTERNAL_ERROR),
    async (child) => {
      const refused = await rejected(call(child.port, { headers: { 'x-rst': 'refused' } }));
      assert.equal(refused.code, 'CHILD_UNREACHABLE');
      assert.match(refused.message, /Stream refused by server$/);
      const internal = await rejected(call(child.port));
      assert.equal(internal.code, 'CHILD_STATUS');
      assert.equal(internal.grpcCode, grpcStatus.INTERNAL);
      assert.match(internal.grpcMessage, /^Received RST_STREAM with code 2/);
    },
  ));

  test('a child closing the connection mid-call: CHILD_UNREACHABLE, and the next call reconnects', () => {
    const single = client({ channels: 1 });
    return withChild(
      (c) => (c.headers['x-drop'] === '1' ? c.session.destroy() : answerOk(c.stream, grpcFrame(HI))),
      async (child) => {
        try {
          assert.ok((await single.call(child.port)).equals(HI));
          const err = await rejected(single.call(child.port, { headers: { 'x-drop': '1' } }));
          assert.equal(err.code, 'CHILD_UNREACHABLE', err.message);
          assert.deepEqual(single.observed.at(-1), { method: PREDICT, code: 'Unavailable' });
          assert.ok((await single.call(child.port)).equals(HI));
          assert.equal(child.sessions(), 2);
        } finally {
          single.grpc.close();
        }
      },
    );
  });

  test('a child sending GOAWAY after an answer: the next call goes over a new connection', () => {
    const single = client({ channels: 1 });
    return withChild(
      (c) => {
        answerOk(c.stream, grpcFrame(HI));
        c.stream.once('close', () => c.session.close());
      },
      async (child) => {
        try {
          assert.ok((await single.call(child.port)).equals(HI));
          await waitUntil(() => child.calls[0]?.session.closed === true);
          assert.ok((await single.call(child.port)).equals(HI));
          assert.equal(child.sessions(), 2);
        } finally {
          single.grpc.close();
        }
      },
    );
  });

  test('a child holding the answer past the deadline: the stream is cancelled (RST_STREAM CANCEL)', () => withChild(
    () => undefined,
    async (child) => {
      const err = await rejected(call(child.port, { timeoutMs: 60 }));
      assert.equal(err.code, 'CHILD_TIMEOUT');
      assert.equal(await child.calls[0]?.closed, constants.NGHTTP2_CANCEL);
    },
  ));
});

describe('connections', () => {
  test('a closed port: CHILD_UNREACHABLE at once, ready() false; the child comes up: ready() true and calls succeed', async () => {
    const port = await closedPort();
    const { grpc, call } = client({ channels: 2 });
    try {
      const err = await rejected(call(port));
      assert.equal(err.code, 'CHILD_UNREACHABLE');
      assert.match(err.message, /is unavailable: .*ECONNREFUSED/);
      const started = performance.now();
      assert.equal((await rejected(call(port))).code, 'CHILD_UNREACHABLE');
      assert.ok(performance.now() - started < 200);
      assert.equal(await grpc.target(`127.0.0.1:${port}`).ready(500), false);
      const child = await startH2Child((c) => answerOk(c.stream, grpcFrame(HI)), port);
      try {
        // ready() connects even while calls are in backoff, and a connection ends the backoff.
        assert.equal(await grpc.target(`127.0.0.1:${port}`).ready(1000), true);
        assert.ok((await call(port)).equals(HI));
        assert.ok((await call(port)).equals(HI));
      } finally {
        await child.close();
      }
    } finally {
      grpc.close();
    }
  });

  test('one connection is made at load; calls fill it before the next is opened and used', async () => {
    // Calls with x-hold wait until released, so they stay in flight together.
    const held: Array<() => void> = [];
    const child = await startH2Child((c) => {
      if (c.headers['x-hold'] === '1') held.push(() => answerOk(c.stream, grpcFrame(HI)));
      else answerOk(c.stream, grpcFrame(HI));
    });
    const { grpc, call } = client({ channels: 3 });
    try {
      grpc.target(`127.0.0.1:${child.port}`);
      await waitUntil(() => child.sessions() === 1);
      for (let i = 0; i < 4; i++) await call(child.port);
      assert.equal(child.sessions(), 1, 'calls one after the other open no second connection');
      // One after the other: all on the first connection.
      assert.equal(new Set(child.calls.map((c) => c.session)).size, 1);
      child.calls.length = 0;
      // 40 at once: 32 (SPREAD_AT) on the first connection, the other 8 on the second.
      const pending = Array.from({ length: 40 }, () => call(child.port, { headers: { 'x-hold': '1' } }));
      await waitUntil(() => held.length === 40);
      const perSession = new Map<unknown, number>();
      for (const c of child.calls) perSession.set(c.session, (perSession.get(c.session) ?? 0) + 1);
      assert.deepEqual([...perSession.values()].sort((a, b) => b - a), [32, 8]);
      assert.equal(child.sessions(), 2, 'the third connection is never needed, so never opened');
      for (const release of held) release();
      for (const body of await Promise.all(pending)) assert.ok(body.equals(HI));
    } finally {
      grpc.close();
      await child.close();
    }
  });

  test('a call that times out on a connection that no longer answers PINGs: the connection is dropped, the next call uses a new one', async () => {
    let proxy: FreezableProxy | undefined;
    const child = await startH2Child((c) => {
      // A peer gone silent (half-open TCP): nothing crosses its connection any more, PINGs included.
      if (c.headers['x-freeze'] === '1') proxy?.freeze();
      else if (c.headers['x-slow'] !== '1') answerOk(c.stream, grpcFrame(HI));
    });
    proxy = await startFreezableProxy(child.port);
    const { grpc, call } = client({ channels: 1, pingTimeoutMs: 150 });
    try {
      assert.ok((await call(proxy.port)).equals(HI));
      // Slow but alive: the PING is answered and the connection kept.
      assert.equal((await rejected(call(proxy.port, { timeoutMs: 50, headers: { 'x-slow': '1' } }))).code, 'CHILD_TIMEOUT');
      await new Promise((r) => setTimeout(r, 300));
      assert.ok((await call(proxy.port)).equals(HI));
      assert.equal(proxy.connections(), 1);
      // Silent: dropped once the PING goes unanswered.
      assert.equal((await rejected(call(proxy.port, { timeoutMs: 50, headers: { 'x-freeze': '1' } }))).code, 'CHILD_TIMEOUT');
      await new Promise((r) => setTimeout(r, 300));
      assert.ok((await call(proxy.port)).equals(HI));
      assert.equal(proxy.connections(), 2);
    } finally {
      grpc.close();
      proxy.close();
      await child.close();
    }
  });

  test('after close(), calls fail as unavailable', async () => {
    const child = await startH2Child((c) => answerOk(c.stream, grpcFrame(HI)));
    const { grpc } = client();
    try {
      const set = grpc.target(`127.0.0.1:${child.port}`);
      set.close();
      const err = await rejected(set.unary({ method: PREDICT, body: HI, headers: {}, timeoutMs: 1000, deadline: undefined, signal: new Cancel(), node: 'm' }, () => undefined));
      assert.equal(err.code, 'CHILD_UNREACHABLE');
    } finally {
      grpc.close();
      await child.close();
    }
  });
});

describe('request headers', () => {
  test('grpc-timeout keeps at most 8 digits, rounding up', () => {
    assert.equal(grpcTimeout(0), '0m');
    assert.equal(grpcTimeout(49.2), '50m');
    assert.equal(grpcTimeout(99_999_999), '99999999m');
    assert.equal(grpcTimeout(100_000_000), '100000S');
    assert.equal(grpcTimeout(Number.MAX_SAFE_INTEGER), '99999999H');
  });

  test('-bin values are re-encoded as base64, grpc-* and pseudo-headers dropped', () => {
    const h = requestHeaders(PREDICT, 10, { 'x-b-bin': 'AQID', 'grpc-encoding': 'gzip', ':authority': 'x', 'x-ok': 'v' });
    assert.equal(h['x-b-bin'], 'AQID');
    assert.equal(h['grpc-encoding'], undefined);
    assert.equal(h['x-ok'], 'v');
    assert.equal(h[':path'], PREDICT);
  });
});

interface FreezableProxy {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Stops forwarding on every connection open now, both ways, without closing them. */
  freeze(): void;
  close(): void;
}

/** A TCP proxy to 127.0.0.1:`target` whose connections can go silent, as a peer behind a dead link does. */
async function startFreezableProxy(target: number): Promise<FreezableProxy> {
  const pairs: Array<[Socket, Socket]> = [];
  const server = createNetServer((downstream) => {
    const upstream = netConnect(target, '127.0.0.1');
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const drop = (): void => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    pairs.push([downstream, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => pairs.length,
    freeze: () => {
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    close: () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close();
    },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
