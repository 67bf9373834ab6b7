/**
 * A child's answer the engine cannot read is that child's fault (502 CHILD_BAD_RESPONSE naming the
 * node), never the caller's (400), wherever the engine reads or transcodes it: a gRPC child's answer
 * sent on to a REST child, routing injection into a gRPC child's answer, graph metadata, and a REST
 * child's answer sent on to a gRPC combiner. Each child answers bytes that pass the first check
 * (protobuf wire format, or JSON syntax) but cannot be read as the message the next step needs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { restEndpoint, startChild, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { grpcEndpoint, startGrpcChild, type GrpcChild } from '../helpers/grpc-child';
import { parseErrorBody } from '../helpers/raw-http';

/** A SeldonMessage with a sound wire format whose strData is not UTF-8: the wire check passes, decoding fails. */
const UNDECODABLE = Buffer.from([0x2a, 0x02, 0xc3, 0x28]);
/** A SeldonModelMetadata whose name (field 1) is not UTF-8, for the same reason. */
const UNDECODABLE_METADATA = Buffer.from([0x0a, 0x02, 0xc3, 0x28]);
const BODY = JSON.stringify({ data: { ndarray: [[1]] } });
const JSON_HEADERS = { 'content-type': 'application/json' };

let grpcBad: GrpcChild;
let restOk: ChildServer;
let restOdd: ChildServer;
const engines: RunningEngine[] = [];

before(async () => {
  grpcBad = await startGrpcChild((call) => ({ raw: call.method.endsWith('/Metadata') ? UNDECODABLE_METADATA : UNDECODABLE }));
  restOk = await startChild(() => ({ json: { data: { ndarray: [[1]] } } }));
  // Valid JSON, but not a SeldonMessage: a gRPC node cannot be sent it.
  restOdd = await startChild(() => ({ json: { predictions: [1] } }));
});

after(async () => {
  for (const e of engines) await e.stop();
  await grpcBad?.close();
  await restOk?.close();
  await restOdd?.close();
});

async function engine(graph: unknown, env?: Record<string, string>): Promise<RunningEngine> {
  const e = await startEngine({ spec: { name: 'p', componentSpecs: [], graph }, ...(env === undefined ? {} : { env }) });
  engines.push(e);
  return e;
}

/** Asserts a 502 CHILD_BAD_RESPONSE whose message starts with `prefix`, and that the engine still serves. */
async function assertChildFault(e: RunningEngine, reply: { status: number; text: string }, prefix: string): Promise<void> {
  assert.equal(reply.status, 502, reply.text);
  const { status } = parseErrorBody(reply.text);
  assert.equal(status.reason, 'CHILD_BAD_RESPONSE', reply.text);
  assert.ok(status.info.startsWith(prefix), status.info);
  assert.equal((await e.get('/live')).status, 200);
}

describe('a child answer the engine cannot read is the child\'s fault', { timeout: 30_000 }, () => {
  test('a gRPC transformer\'s undecodable answer, on its way to a REST model', async () => {
    const e = await engine({ name: 'g', type: 'TRANSFORMER', endpoint: grpcEndpoint(grpcBad.port), children: [{ name: 'm', type: 'MODEL', endpoint: restEndpoint(restOk.port), children: [] }] });
    const calls = restOk.calls.length;
    await assertChildFault(e, await e.post('/api/v1.0/predictions', BODY, JSON_HEADERS), 'node "g" answered a message that REST node "m" cannot be sent: malformed SeldonMessage protobuf: ');
    assert.equal(restOk.calls.length, calls, 'the REST model was not called');
  });

  test('routing injection into a gRPC model\'s undecodable answer', async () => {
    const e = await engine({ name: 'g', type: 'MODEL', endpoint: grpcEndpoint(grpcBad.port), children: [] }, { SELDON_ENABLE_ROUTING_INJECTION: 'true' });
    await assertChildFault(e, await e.post('/api/v1.0/predictions', BODY, JSON_HEADERS), 'node "g" answered a message the engine cannot read to add meta.routing: malformed SeldonMessage protobuf: ');
  });

  test('graph metadata from a gRPC child whose metadata does not decode', async () => {
    const e = await engine({ name: 'g', type: 'MODEL', endpoint: grpcEndpoint(grpcBad.port), children: [] });
    await assertChildFault(e, await e.get('/api/v1.0/metadata'), 'node "g" answered a message the engine cannot read as metadata: malformed SeldonModelMetadata protobuf: ');
  });

  test('a REST child\'s answer that is not a SeldonMessage, on its way to a gRPC combiner', async () => {
    const e = await engine({
      name: 'c', type: 'COMBINER', endpoint: grpcEndpoint(grpcBad.port),
      children: [{ name: 'odd', type: 'MODEL', endpoint: restEndpoint(restOdd.port), children: [] }],
    });
    const calls = grpcBad.calls.length;
    await assertChildFault(e, await e.post('/api/v1.0/predictions', BODY, JSON_HEADERS), 'node "odd" answered a message that gRPC node "c" cannot be sent: invalid SeldonMessage JSON');
    assert.equal(grpcBad.calls.length, calls, 'the combiner was not called');
  });
});
