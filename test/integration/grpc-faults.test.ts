/**
 * gRPC faults, limits and deadlines (reference 3.1, 3.4, 10; README "Limits and deadlines", "Errors
 * across transports"): the real engine between a real grpc-js caller and real grpc-js / HTTP child
 * servers. Every failure must be a gRPC status, the process must stay up, and the next call must
 * succeed, so each engine serves several faults, picked per request by the request itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import { closedPort, restEndpoint, startChild, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { grpcEndpoint, startGrpcChild, PROTO_DIR, type GrpcChild, type GrpcChildReply, type GrpcReceivedCall } from '../helpers/grpc-child';
import { SeldonGrpcClient, type GrpcAnswer } from '../helpers/grpc-client';
import { parseErrorBody, waitFor } from '../helpers/raw-http';
import { loadSeldonProtocol } from '../../src/protocols/seldon';

const codec = loadSeldonProtocol(PROTO_DIR);
const PREDICTIONS = '/api/v1.0/predictions';

/** The first row of a request's ndarray (the scripts below switch on it). */
function row(call: GrpcReceivedCall): number[] {
  return (call.request as { data?: { ndarray?: number[][] } }).data?.ndarray?.[0] ?? [];
}

function assertAlive(engine: RunningEngine): void {
  assert.equal(engine.process.exitCode, null, 'the engine process exited');
  assert.equal(engine.process.signalCode, null, 'the engine process was killed');
  const crashes = engine.output.filter((l) => l.includes('uncaught exception') || l.includes('unhandled rejection'));
  assert.deepEqual(crashes, []);
}

function assertStatus(answer: GrpcAnswer, code: number, details: string | RegExp): void {
  assert.equal(answer.code, code, `expected ${grpcStatus[code]}, got ${grpcStatus[answer.code]}: ${answer.details}`);
  if (typeof details === 'string') assert.equal(answer.details, details);
  else assert.match(answer.details, details);
  assert.equal(answer.json, undefined);
}

/** A 2-D tensor of about `bytes` bytes on the wire (8 bytes per double). */
function bigTensor(bytes: number): { data: { tensor: { shape: number[]; values: number[] } } } {
  const n = Math.ceil(bytes / 8);
  const values = Array.from({ length: n }, (_, i) => (i % 1000) + 0.5);
  return { data: { tensor: { shape: [1, n], values } } };
}

function echo(call: GrpcReceivedCall): GrpcChildReply {
  // Answers 2 KB when asked for it (strData "big"), else the request bytes unchanged.
  return (call.request as { strData?: string }).strData === 'big' ? { json: { strData: 'x'.repeat(2048) } } : { raw: call.bytes };
}

describe('message size over gRPC: default limits', () => {
  let child: GrpcChild;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    child = await startGrpcChild(echo);
    engine = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: { name: 'echo', type: 'MODEL', endpoint: grpcEndpoint(child.port), children: [] } } });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await child?.close();
  });

  test('a 10 MB tensor goes to the gRPC child and back unchanged (limit 2147483647, not grpc-js 4 MiB)', async () => {
    const request = bigTensor(10 * 1024 * 1024);
    const bytes = codec.toProto('SeldonMessage', request);
    assert.ok(bytes.length > 10 * 1024 * 1024);
    const answer = await client.call('Predict', bytes);
    assert.equal(answer.code, 0, answer.details);
    // The child got the caller's bytes as they were (gRPC -> gRPC is a pass-through).
    assert.equal(child.calls.length, 1);
    assert.ok(child.calls[0]?.bytes.equals(bytes), 'the child received other bytes than the caller sent');
    const got = (answer.json as { data: { tensor: { shape: number[]; values: number[] } } }).data.tensor;
    assert.deepEqual(got.shape, request.data.tensor.shape);
    assert.equal(got.values.length, request.data.tensor.values.length);
    const firstDiff = got.values.findIndex((v, i) => v !== request.data.tensor.values[i]);
    assert.equal(firstDiff, -1, `values differ from index ${firstDiff}`);
    assertAlive(engine);
  });
});

describe('message size over gRPC: seldon.io/grpc-max-message-size = 1024', () => {
  let child: GrpcChild;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    child = await startGrpcChild(echo);
    engine = await startEngine({
      spec: { name: 'p', componentSpecs: [], graph: { name: 'echo', type: 'MODEL', endpoint: grpcEndpoint(child.port), children: [] } },
      annotations: 'seldon.io/grpc-max-message-size="1024"\n',
    });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await child?.close();
  });

  const small = async (): Promise<void> => {
    const answer = await client.call('Predict', { data: { ndarray: [[1, 2]] } });
    assert.equal(answer.code, 0, answer.details);
    assert.deepStrictEqual(answer.json, { data: { ndarray: [[1, 2]] } });
    assertAlive(engine);
  };

  test('a 10 MB request is RESOURCE_EXHAUSTED, never reaches the child, and the engine keeps serving', async () => {
    child.calls.length = 0;
    const answer = await client.call('Predict', codec.toProto('SeldonMessage', bigTensor(10 * 1024 * 1024)));
    assert.equal(answer.code, grpcStatus.RESOURCE_EXHAUSTED, answer.details);
    assert.equal(child.calls.length, 0);
    await small();
  });

  test('a request just over the limit is RESOURCE_EXHAUSTED too; one under it passes', async () => {
    const over = await client.call('Predict', { strData: 'y'.repeat(1100) });
    assert.equal(over.code, grpcStatus.RESOURCE_EXHAUSTED, over.details);
    const under = await client.call('Predict', { strData: 'y'.repeat(900) });
    assert.equal(under.code, 0, under.details);
    assert.deepStrictEqual(under.json, { strData: 'y'.repeat(900) });
  });

  test('a child answer over the limit is RESOURCE_EXHAUSTED with grpc-js\'s own details, and the engine keeps serving', async () => {
    const answer = await client.call('Predict', { strData: 'big' });
    // A child call's status and details reach a gRPC caller unchanged (reference section 3.1).
    assertStatus(answer, grpcStatus.RESOURCE_EXHAUSTED, /^Received message larger than max \(\d+ vs 1024\)$/);
    await small();
  });
});

describe('deadlines: seldon.io/grpc-timeout = 50 ms', () => {
  let slow: GrpcChild;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    // Slow (1 s) unless the request is [[0]].
    slow = await startGrpcChild((call) => (row(call)[0] === 0 ? { json: { data: { ndarray: [[0]] } } } : { json: { strData: 'late' }, delayMs: 1000 }));
    engine = await startEngine({
      spec: { name: 'p', componentSpecs: [], graph: { name: 'slow', type: 'MODEL', endpoint: grpcEndpoint(slow.port), children: [] } },
      annotations: 'seldon.io/grpc-timeout="50"\n',
    });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await slow?.close();
  });

  test('a child slower than the timeout gives DEADLINE_EXCEEDED within 150 ms, and the child call is cancelled', async () => {
    // Warm up: the engine's 10 channels to the child connect on first use (not at load), and a
    // connection setup must not count against the 50 ms. Their outcome does not matter here.
    for (let i = 0; i < 12; i++) await client.call('Predict', { data: { ndarray: [[0]] } });
    slow.cancelled.length = 0;
    const started = performance.now();
    const answer = await client.call('Predict', { data: { ndarray: [[1]] } });
    const ms = performance.now() - started;
    assertStatus(answer, grpcStatus.DEADLINE_EXCEEDED, `node "slow": /seldon.protos.Model/Predict at 127.0.0.1:${slow.port} did not answer within 50 ms`);
    assert.ok(ms >= 45 && ms < 150, `answered after ${ms.toFixed(0)} ms`);
    await waitFor('the child to see the cancellation', () => slow.cancelled.length === 1, 500);
    const fast = await client.call('Predict', { data: { ndarray: [[0]] } });
    assert.equal(fast.code, 0, fast.details);
    assert.deepStrictEqual(fast.json, { data: { ndarray: [[0]] } });
    assertAlive(engine);
  });
});

describe('deadlines and cancellation of the gRPC caller reach the children', () => {
  let router: GrpcChild;
  let slowGrpc: GrpcChild;
  let slowRest: ChildServer;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    router = await startGrpcChild((call) => ({ json: { data: { ndarray: [[row(call)[0] ?? -2]] } } }));
    // Both slow (2 s) unless the request's second number is 0.
    slowGrpc = await startGrpcChild((call) => (row(call)[1] === 0 ? { json: { strData: 'grpc fast' } } : { json: { strData: 'grpc late' }, delayMs: 2000 }));
    slowRest = await startChild((call) => (call.text.includes('[[1,0]]') ? { json: { strData: 'rest fast' } } : { json: { strData: 'rest late' }, delayMs: 2000 }));
    // No grpc-timeout: the caller's deadline is the only bound.
    engine = await startEngine({
      spec: {
        name: 'p', componentSpecs: [],
        graph: { name: 'r', type: 'ROUTER', endpoint: grpcEndpoint(router.port), children: [
          { name: 'g', type: 'MODEL', endpoint: grpcEndpoint(slowGrpc.port), children: [] },
          { name: 'h', type: 'MODEL', endpoint: restEndpoint(slowRest.port), children: [] },
        ] },
      },
    });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await Promise.all([router?.close(), slowGrpc?.close(), slowRest?.close()]);
  });

  const stillServing = async (): Promise<void> => {
    const g = await client.call('Predict', { data: { ndarray: [[0, 0]] } });
    assert.equal(g.code, 0, g.details);
    assert.deepStrictEqual(g.json, { strData: 'grpc fast' });
    const h = await client.call('Predict', { data: { ndarray: [[1, 0]] } });
    assert.equal(h.code, 0, h.details);
    assert.deepStrictEqual(h.json, { strData: 'rest fast' });
    assertAlive(engine);
  };

  test('a client deadline of 100 ms cancels the gRPC child call', async () => {
    await stillServing();
    slowGrpc.cancelled.length = 0;
    const started = performance.now();
    const answer = await client.call('Predict', { data: { ndarray: [[0, 1]] } }, { deadlineMs: 100 });
    assert.equal(answer.code, grpcStatus.DEADLINE_EXCEEDED, answer.details);
    await waitFor('the gRPC child to see the cancellation', () => slowGrpc.cancelled.length === 1, 1000);
    // Long before the child's own answer (2 s) would have ended the call.
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(slowGrpc.cancelled.map((c) => c.method), ['/seldon.protos.Model/Predict']);
    await stillServing();
  });

  test('a client deadline of 100 ms aborts the REST child call too', async () => {
    slowRest.aborted.length = 0;
    const started = performance.now();
    const answer = await client.call('Predict', { data: { ndarray: [[1, 1]] } }, { deadlineMs: 100 });
    assert.equal(answer.code, grpcStatus.DEADLINE_EXCEEDED, answer.details);
    await waitFor('the REST child to see the call aborted', () => slowRest.aborted.length === 1, 1000);
    assert.ok(performance.now() - started < 1000);
    await stillServing();
  });

  test('a client that cancels (no deadline) cancels the gRPC child call', async () => {
    slowGrpc.calls.length = 0;
    slowGrpc.cancelled.length = 0;
    const abort = new AbortController();
    const pending = client.call('Predict', { data: { ndarray: [[0, 1]] } }, { signal: abort.signal });
    await waitFor('the gRPC child to get the call', () => slowGrpc.calls.length === 1, 1000);
    abort.abort();
    const answer = await pending;
    assert.equal(answer.code, grpcStatus.CANCELLED, answer.details);
    await waitFor('the gRPC child to see the cancellation', () => slowGrpc.cancelled.length === 1, 1000);
    await stillServing();
  });
});

/** The HTTP status a REST caller must get for each gRPC status of a gRPC child (README "Errors across transports"). */
const HTTP_FOR_GRPC: readonly (readonly [code: number, goName: string, http: number])[] = [
  [grpcStatus.UNKNOWN, 'Unknown', 500],
  [grpcStatus.INVALID_ARGUMENT, 'InvalidArgument', 400],
  [grpcStatus.NOT_FOUND, 'NotFound', 404],
  [grpcStatus.ALREADY_EXISTS, 'AlreadyExists', 409],
  [grpcStatus.PERMISSION_DENIED, 'PermissionDenied', 403],
  [grpcStatus.RESOURCE_EXHAUSTED, 'ResourceExhausted', 429],
  [grpcStatus.FAILED_PRECONDITION, 'FailedPrecondition', 400],
  [grpcStatus.ABORTED, 'Aborted', 409],
  [grpcStatus.OUT_OF_RANGE, 'OutOfRange', 400],
  [grpcStatus.UNIMPLEMENTED, 'Unimplemented', 501],
  [grpcStatus.INTERNAL, 'Internal', 500],
  [grpcStatus.DATA_LOSS, 'DataLoss', 500],
  [grpcStatus.UNAUTHENTICATED, 'Unauthenticated', 401],
];

/** The gRPC status a gRPC caller must get for each HTTP status of a REST child. */
const GRPC_FOR_HTTP: readonly (readonly [http: number, code: number])[] = [
  [400, grpcStatus.INVALID_ARGUMENT],
  [404, grpcStatus.NOT_FOUND],
  [429, grpcStatus.RESOURCE_EXHAUSTED],
  [500, grpcStatus.INTERNAL],
  [503, grpcStatus.UNAVAILABLE],
  [504, grpcStatus.DEADLINE_EXCEEDED],
];

describe('faults under ROUTER r -> [ok, dead, bad, st, rest]: each a status, the engine keeps serving', () => {
  let r: GrpcChild;
  let ok: GrpcChild;
  let bad: GrpcChild;
  let st: GrpcChild;
  let rest: ChildServer;
  let deadPort: number;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    // The router sends [[k, ...]] to child k; "st" answers the status [[3, code]] asks for, "rest"
    // the HTTP status [[4, status]] asks for.
    r = await startGrpcChild((call) => ({ json: { data: { ndarray: [[row(call)[0] ?? -2]] } } }));
    ok = await startGrpcChild(() => ({ json: { meta: { tags: { by: 'ok' } }, strData: 'fine' } }));
    // [[2, 1]]: bytes whose wire format is sound but that do not decode as a SeldonMessage.
    bad = await startGrpcChild((call) => ({ raw: row(call)[1] === 1 ? Buffer.from('d886ced059c65e', 'hex') : Buffer.from([0xff, 0xff, 0xff]) }));
    st = await startGrpcChild((call) => ({ code: row(call)[1] ?? grpcStatus.INTERNAL, details: `st says ${row(call)[1]}` }));
    rest = await startChild((call) => {
      const status = (JSON.parse(call.text) as { data: { ndarray: number[][] } }).data.ndarray[0]?.[1] ?? 500;
      // 200: JSON that is no SeldonMessage (a TensorFlow-style answer).
      if (status === 200) return { json: { predictions: [[1]] } };
      return { status, json: { status: { code: status, info: `rest says ${status}`, status: 'FAILURE' } } };
    });
    deadPort = await closedPort();
    const model = (name: string, endpoint: unknown): unknown => ({ name, type: 'MODEL', endpoint, children: [] });
    engine = await startEngine({
      spec: {
        name: 'p', componentSpecs: [],
        graph: { name: 'r', type: 'ROUTER', endpoint: grpcEndpoint(r.port), children: [
          model('ok', grpcEndpoint(ok.port)), model('dead', grpcEndpoint(deadPort)), model('bad', grpcEndpoint(bad.port)),
          model('st', grpcEndpoint(st.port)), model('rest', restEndpoint(rest.port)),
        ] },
      },
    });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await Promise.all([r, ok, bad, st].map((c) => c?.close()));
    await rest?.close();
  });

  const stillServing = async (): Promise<void> => {
    const answer = await client.call('Predict', { data: { ndarray: [[0]] } }, { metadata: { 'seldon-puid': 'after-fault' } });
    assert.equal(answer.code, 0, answer.details);
    assert.deepStrictEqual(answer.json, { meta: { tags: { by: 'ok' } }, strData: 'fine' });
    assert.deepStrictEqual(answer.header?.get('seldon-puid'), ['after-fault']);
    assertAlive(engine);
  };
  const route = (...values: number[]): Promise<GrpcAnswer> => client.call('Predict', { data: { ndarray: [values] } });
  const restRoute = (...values: number[]): Promise<{ status: number; text: string; headers: Headers }> =>
    engine.post(PREDICTIONS, JSON.stringify({ data: { ndarray: [values] } }), { 'content-type': 'application/json' });

  test('router index out of range: INTERNAL naming the router and the index', async () => {
    assertStatus(await route(7), grpcStatus.INTERNAL, 'router "r" answered route 7, but it has 5 children (valid routes: -2, -1, 0..4)');
    await stillServing();
  });

  test('child port closed: UNAVAILABLE naming the node', async () => {
    assertStatus(await route(1), grpcStatus.UNAVAILABLE, new RegExp(`^node "dead": /seldon\\.protos\\.Model/Predict at 127\\.0\\.0\\.1:${deadPort} is unavailable: .+`));
    await stillServing();
    // And again: a channel in backoff still answers at once.
    const started = performance.now();
    assert.equal((await route(1)).code, grpcStatus.UNAVAILABLE);
    assert.ok(performance.now() - started < 2000);
    await stillServing();
  });

  test('child answering malformed bytes (ff ff ff): INTERNAL over gRPC, 502 CHILD_BAD_RESPONSE over REST', async () => {
    const prefix = `node "bad": /seldon.protos.Model/Predict at 127.0.0.1:${bad.port} answered a malformed SeldonMessage: `;
    const answer = await route(2);
    assert.equal(answer.code, grpcStatus.INTERNAL, answer.details);
    assert.ok(answer.details.startsWith(prefix), answer.details);
    const reply = await restRoute(2);
    assert.equal(reply.status, 502);
    const body = parseErrorBody(reply.text);
    assert.equal(body.status.reason, 'CHILD_BAD_RESPONSE');
    assert.ok(body.status.info.startsWith(prefix), body.status.info);
    await stillServing();
  });

  test('a child answer that passes the wire check but does not decode: 502 CHILD_BAD_RESPONSE over REST, with Seldon\'s headers', async () => {
    const reply = await restRoute(2, 1);
    assert.equal(reply.status, 502, reply.text);
    assert.match(reply.headers.get('seldon-puid') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    const body = parseErrorBody(reply.text);
    assert.equal(body.status.reason, 'CHILD_BAD_RESPONSE');
    assert.match(body.status.info, /^node "bad" answered a message the engine cannot write as JSON: malformed SeldonMessage protobuf: /);
    assert.ok(!engine.output.some((l) => l.includes('unexpected failure')), 'logged as an unexpected failure');
    await stillServing();
  });

  test('an unknown method: UNIMPLEMENTED', async () => {
    for (const method of ['/seldon.protos.Seldon/Explain', '/seldon.protos.Model/Predict', '/no.such.Service/Method']) {
      const answer = await client.raw(method, codec.toProto('SeldonMessage', { strData: 'x' }));
      assert.equal(answer.code, grpcStatus.UNIMPLEMENTED, `${method}: ${answer.details}`);
    }
    await stillServing();
  });

  test('malformed request bytes: INVALID_ARGUMENT, and no child is called', async () => {
    const calls = r.calls.length;
    for (const rpc of ['Predict', 'SendFeedback', 'ModelMetadata']) {
      const answer = await client.raw(`/seldon.protos.Seldon/${rpc}`, Buffer.from([0xff, 0xff, 0xff]));
      assert.equal(answer.code, grpcStatus.INVALID_ARGUMENT, `${rpc}: ${answer.details}`);
      assert.match(answer.details, /^the request is a malformed (SeldonMessage|Feedback|SeldonModelMetadataRequest): /);
    }
    assert.equal(r.calls.length, calls);
    // The log names what was wrong: protobuf, not JSON. Its lines come through the engine's stdout,
    // which may trail the answers: wait (bounded) for all three.
    const failures = (): string[] => engine.output.filter((l) => l.includes('gRPC request failed') && l.includes('the request is a malformed'));
    for (let waited = 0; failures().length < 3 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const logged = failures();
    assert.equal(logged.length, 3, logged.join('\n'));
    for (const line of logged) assert.equal((JSON.parse(line) as { code?: string }).code, 'BAD_REQUEST_PROTOBUF', line);
    await stillServing();
  });

  test('a gRPC child status reaches a gRPC caller with its code, and a REST caller as the matching HTTP status', async () => {
    for (const [code, goName, http] of HTTP_FOR_GRPC) {
      const info = `node "st": /seldon.protos.Model/Predict at 127.0.0.1:${st.port} failed with ${goName}: st says ${code}`;
      // gRPC callers get the child's code and details unchanged; REST callers the engine's message naming the node.
      assertStatus(await route(3, code), code, `st says ${code}`);
      const reply = await restRoute(3, code);
      assert.equal(reply.status, http, `${goName}: ${reply.text}`);
      assert.deepStrictEqual(parseErrorBody(reply.text), { status: { code: http, info, reason: 'CHILD_STATUS', status: 'FAILURE' } });
    }
    await stillServing();
  });

  test('a gRPC child answering UNAVAILABLE: UNAVAILABLE over gRPC, 502 CHILD_UNREACHABLE over REST (README)', async () => {
    const info = `node "st": /seldon.protos.Model/Predict at 127.0.0.1:${st.port} is unavailable: st says ${grpcStatus.UNAVAILABLE}`;
    assertStatus(await route(3, grpcStatus.UNAVAILABLE), grpcStatus.UNAVAILABLE, info);
    const reply = await restRoute(3, grpcStatus.UNAVAILABLE);
    assert.equal(reply.status, 502, reply.text);
    assert.deepStrictEqual(parseErrorBody(reply.text), { status: { code: 502, info, reason: 'CHILD_UNREACHABLE', status: 'FAILURE' } });
    await stillServing();
  });

  test('a gRPC child answering DEADLINE_EXCEEDED at once keeps its details: DEADLINE_EXCEEDED over gRPC, 504 over REST', async () => {
    // Not a timeout of ours (the call ended long before any deadline), so not "did not answer within".
    const info = `node "st": /seldon.protos.Model/Predict at 127.0.0.1:${st.port} failed with DeadlineExceeded: st says ${grpcStatus.DEADLINE_EXCEEDED}`;
    assertStatus(await route(3, grpcStatus.DEADLINE_EXCEEDED), grpcStatus.DEADLINE_EXCEEDED, `st says ${grpcStatus.DEADLINE_EXCEEDED}`);
    const reply = await restRoute(3, grpcStatus.DEADLINE_EXCEEDED);
    assert.equal(reply.status, 504, reply.text);
    assert.deepStrictEqual(parseErrorBody(reply.text), { status: { code: 504, info, reason: 'CHILD_STATUS', status: 'FAILURE' } });
    await stillServing();
  });

  test('a REST child answering 200 with JSON that is no SeldonMessage: INTERNAL for a gRPC caller (not the caller\'s INVALID_ARGUMENT)', async () => {
    assertStatus(await route(4, 200), grpcStatus.INTERNAL, 'the graph answered JSON that is not a SeldonMessage: invalid SeldonMessage JSON at predictions: unknown field "predictions" in SeldonMessage');
    // A REST caller gets the child's bytes as they are.
    const reply = await restRoute(4, 200);
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"predictions":[[1]]}');
    await stillServing();
  });

  test('a REST child status reaches a gRPC caller as the matching code (503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, ...)', async () => {
    for (const [http, code] of GRPC_FOR_HTTP) {
      assertStatus(await route(4, http), code, `node "rest" answered ${http} to /predict`);
    }
    await stillServing();
  });
});

describe('a REST child\'s answer that cannot be transcoded for the next, gRPC, child', () => {
  let t: ChildServer;
  let m: GrpcChild;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  before(async () => {
    // The transformer answers JSON that is no SeldonMessage when asked to (strData "bad").
    t = await startChild((call) => (call.text.includes('"bad"') ? { json: { instances: [[1]] } } : { json: JSON.parse(call.text) as unknown }));
    m = await startGrpcChild(() => ({ json: { strData: 'm ok' } }));
    engine = await startEngine({
      spec: { name: 'p', componentSpecs: [], graph: { name: 't', type: 'TRANSFORMER', endpoint: restEndpoint(t.port), children: [{ name: 'm', type: 'MODEL', endpoint: grpcEndpoint(m.port), children: [] }] } },
    });
    client = new SeldonGrpcClient(engine.grpcPort);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await Promise.all([t?.close(), m?.close()]);
  });

  test('a good message crosses REST -> gRPC', async () => {
    const reply = await engine.post(PREDICTIONS, { strData: 'good' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '{"strData":"m ok"}');
  });

  // The fault is the child's answer: payloads record the node whose child produced them, so the error
  // names that node instead of blaming the caller.
  test('REST caller: 502 CHILD_BAD_RESPONSE naming the node whose answer it is', async () => {
    const reply = await engine.post(PREDICTIONS, { strData: 'bad' });
    assert.equal(reply.status, 502, reply.text);
    const body = parseErrorBody(reply.text);
    assert.equal(body.status.reason, 'CHILD_BAD_RESPONSE');
    assert.match(body.status.info, /"t"/);
  });

  test('gRPC caller: INTERNAL naming the node whose answer it is', async () => {
    const answer = await client.call('Predict', { strData: 'bad' });
    assert.equal(answer.code, grpcStatus.INTERNAL, answer.details);
    assert.match(answer.details, /"t"/);
  });

  test('the engine keeps serving', async () => {
    const answer = await client.call('Predict', { strData: 'good' });
    assert.equal(answer.code, 0, answer.details);
    assert.deepStrictEqual(answer.json, { strData: 'm ok' });
    assertAlive(engine);
  });
});
