/**
 * A gRPC child's `grpc-status` must be a status (gRPC over HTTP/2 spec: `1*DIGIT`). The real engine
 * in front of a raw HTTP/2 child that answers a good message with each trailer below: a status that
 * is not digits (or is empty) is the child's malformed answer (CHILD_BAD_RESPONSE: 502 to a REST
 * caller, INTERNAL to a gRPC caller), a well-formed code the spec does not define is UNKNOWN with the
 * child's message, a defined code passes through unchanged, and the metrics `code` label only ever
 * holds a defined code's name.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { grpcEndpoint, PROTO_DIR } from '../helpers/grpc-child';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { grpcFrame, startH2Child, type H2Child } from '../helpers/h2-child';
import { parseExposition, select } from '../helpers/prometheus';
import { parseErrorBody, rawRequest } from '../helpers/raw-http';
import { loadSeldonProtocol } from '../../src/protocols/seldon';

const codec = loadSeldonProtocol(PROTO_DIR);
const REQUEST = { data: { ndarray: [[1, 2]] } };
/** What the child answers before its trailers: a good message, so a status read as OK would pass it on. */
const ANSWER = grpcFrame(codec.toProto('SeldonMessage', { data: { ndarray: [[7, 8]] } }));
const CLIENT = 'seldon_api_executor_client_requests_seconds_count';

/** The trailers the child sends next (the tests run one after another). */
let trailers: Record<string, string> = { 'grpc-status': '0' };
let child: H2Child;
let engine: RunningEngine;
let client: SeldonGrpcClient;
/** The start of every error message about the child. */
let where: string;

before(async () => {
  child = await startH2Child(({ stream }) => {
    const sent = trailers;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(sent));
    stream.end(ANSWER);
  });
  engine = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: { name: 'm', type: 'MODEL', endpoint: grpcEndpoint(child.port), children: [] } } });
  client = new SeldonGrpcClient(engine.grpcPort);
  where = `node "m": /seldon.protos.Model/Predict at 127.0.0.1:${child.port}`;
});

after(async () => {
  client?.close();
  await engine?.stop();
  await child?.close();
});

/** One REST and one gRPC call while the child answers `sent`. */
async function callBoth(sent: Record<string, string>): Promise<{ rest: { status: number; text: string }; grpc: { code: number; details: string } }> {
  trailers = sent;
  try {
    const rest = await engine.post('/api/v1.0/predictions', REQUEST);
    const grpc = await client.call('Predict', REQUEST);
    return { rest, grpc };
  } finally {
    trailers = { 'grpc-status': '0' };
  }
}

describe('a gRPC child\'s grpc-status', { timeout: 30_000 }, () => {
  // '' was read as 0 (OK), '0x0' too (Number() reads hex); the others reached callers as NaN, -1, 0.5.
  for (const bad of ['abc', '', '-1', '0.5', '0x0', '1e1']) {
    test(`${JSON.stringify(bad)} is the child's malformed answer: 502 CHILD_BAD_RESPONSE / INTERNAL`, async () => {
      const { rest, grpc } = await callBoth({ 'grpc-status': bad, 'grpc-message': 'from the child' });
      const info = `${where} answered a malformed grpc-status ${JSON.stringify(bad)}`;
      assert.equal(rest.status, 502, rest.text);
      const { status } = parseErrorBody(rest.text);
      assert.equal(status.reason, 'CHILD_BAD_RESPONSE', rest.text);
      assert.equal(status.info, info);
      assert.equal(grpc.code, 13, `INTERNAL expected, got ${grpc.code}: ${grpc.details}`);
      assert.equal(grpc.details, info);
    });
  }

  for (const [sent, name] of [['99', '99'], ['17', '17'], ['4294967296', '2^32'], ['9'.repeat(400), '400 nines']] as const) {
    test(`well-formed but undefined code ${name} is UNKNOWN with the child's message`, async () => {
      const { rest, grpc } = await callBoth({ 'grpc-status': sent, 'grpc-message': 'ninety%20nine' });
      assert.equal(rest.status, 500, rest.text);
      const { status } = parseErrorBody(rest.text);
      assert.equal(status.reason, 'CHILD_STATUS', rest.text);
      assert.equal(status.info, `${where} failed with Unknown: ninety nine`);
      assert.equal(grpc.code, 2, `UNKNOWN expected, got ${grpc.code}: ${grpc.details}`);
      assert.equal(grpc.details, 'ninety nine');
    });
  }

  for (const [sent, code, http, name] of [['5', 5, 404, 'NotFound'], ['16', 16, 401, 'Unauthenticated'], ['07', 7, 403, 'PermissionDenied']] as const) {
    test(`defined code ${JSON.stringify(sent)} passes through unchanged (${name}, HTTP ${http})`, async () => {
      const { rest, grpc } = await callBoth({ 'grpc-status': sent, 'grpc-message': 'model%20m%20says%20no' });
      assert.equal(rest.status, http, rest.text);
      const { status } = parseErrorBody(rest.text);
      assert.equal(status.reason, 'CHILD_STATUS', rest.text);
      assert.equal(status.info, `${where} failed with ${name}: model m says no`);
      assert.equal(grpc.code, code, `${name} expected, got ${grpc.code}: ${grpc.details}`);
      assert.equal(grpc.details, 'model m says no');
    });
  }

  test('status 0 still answers the child\'s message, and the metrics code label holds only defined code names', async () => {
    const { rest, grpc } = await callBoth({ 'grpc-status': '0' });
    assert.equal(rest.status, 200, rest.text);
    assert.deepEqual((JSON.parse(rest.text) as { data?: { ndarray?: unknown } }).data?.ndarray, [[7, 8]]);
    assert.equal(grpc.code, 0, grpc.details);

    const reply = await rawRequest(engine.port, { path: '/metrics' });
    assert.equal(reply.status, 200, reply.text);
    const codes = new Set(select(parseExposition(reply.text), CLIENT, { model_name: 'm' }).map((s) => s.labels.code));
    assert.deepEqual([...codes].sort(), ['Internal', 'NotFound', 'OK', 'PermissionDenied', 'Unauthenticated', 'Unknown']);
  });
});
