/**
 * Requests Node's HTTP parser lets through but the engine must not serve as they are (found by a
 * fuzz probe): HTTP/1.1 without Host, a transfer coding besides chunked, a compressed body that
 * decodes past `--max_body_bytes`; and a child answer in a Content-Encoding the engine cannot decode,
 * which is the child's fault, not the caller's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { restEndpoint, startChild, type ChildServer } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { parseErrorBody, rawRequest } from '../helpers/raw-http';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Writes `text` on a fresh connection and returns everything the engine sent until it closed (or 3 s). */
function sendRaw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** Status, headers (lower-cased names) and body of one raw HTTP/1.1 answer with a Content-Length. */
function parseAnswer(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4, end + 4 + Number(headers.get('content-length') ?? 0)) };
}

let child: ChildServer;
let oddChild: ChildServer;
let demo: RunningEngine;
let remote: RunningEngine;
let oddGraph: RunningEngine;

before(async () => {
  child = await startChild(() => ({ json: { data: { ndarray: [[1]] } } }));
  // A child answering in a Content-Encoding nobody knows.
  oddChild = await startChild(() => ({ body: '{"data":{"ndarray":[[1]]}}', headers: { 'content-type': 'application/json', 'content-encoding': 'x-foo' } }));
  demo = await startEngine({ args: ['--demo', '--max_body_bytes', '1000'] });
  remote = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: { name: 'm', type: 'MODEL', endpoint: restEndpoint(child.port), children: [] } } });
  oddGraph = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: { name: 'odd', type: 'MODEL', endpoint: restEndpoint(oddChild.port), children: [] } } });
});

after(async () => {
  for (const e of [demo, remote, oddGraph]) await e?.stop();
  await child?.close();
  await oddChild?.close();
});

describe('requests the engine refuses although Node parses them', { timeout: 30_000 }, () => {
  test('HTTP/1.1 without Host: 400 BAD_REQUEST as JSON with Seldon-Puid, connection closed; HTTP/1.0 without Host is served', async () => {
    const answer = parseAnswer(await sendRaw(demo.port, 'POST /api/v1.0/predictions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'));
    assert.equal(answer.status, 400);
    assert.ok(answer.headers.has('seldon-puid'));
    assert.equal(answer.headers.get('connection'), 'close');
    const { status } = parseErrorBody(answer.body);
    assert.equal(status.reason, 'BAD_REQUEST');
    assert.equal(status.info, 'an HTTP/1.1 request must have a Host header');
    const old = parseAnswer(await sendRaw(demo.port, 'GET /live HTTP/1.0\r\n\r\n'));
    assert.equal(old.status, 200);
  });

  test('Transfer-Encoding gzip, chunked: 400 naming it, and the child is not called with the still-gzipped bytes', async () => {
    const calls = child.calls.length;
    const gz = gzipSync('{"data":{"ndarray":[[1]]}}');
    const request = `POST /api/v1.0/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${gz.length.toString(16)}\r\n`;
    const answer = parseAnswer(await sendRaw(remote.port, `${request}${gz.toString('latin1')}\r\n0\r\n\r\n`));
    assert.equal(answer.status, 400);
    const { status } = parseErrorBody(answer.body);
    assert.equal(status.reason, 'BAD_REQUEST');
    assert.match(status.info, /^Transfer-Encoding "gzip, chunked" is not supported/);
    assert.equal(child.calls.length, calls);
    assert.equal((await remote.post('/api/v1.0/predictions', { data: { ndarray: [[1]] } })).status, 200);
  });

  test('a compressed body that decodes past --max_body_bytes: 413 PAYLOAD_TOO_LARGE; one within it is served', async () => {
    const big = gzipSync(JSON.stringify({ data: { ndarray: [new Array(2000).fill(1)] } }));
    assert.ok(big.length < 1000, `the compressed body (${big.length} bytes) must pass the limit on the wire`);
    const post = (body: Buffer) => rawRequest(demo.port, { method: 'POST', path: '/api/v1.0/predictions', headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body });
    const refused = await post(big);
    assert.equal(refused.status, 413, refused.text);
    const { status } = parseErrorBody(refused.text);
    assert.equal(status.reason, 'PAYLOAD_TOO_LARGE');
    assert.equal(status.info, 'request body decodes from gzip to more than 1000 bytes');
    const small = gzipSync(JSON.stringify({ data: { ndarray: [[1, 2]] } }));
    assert.equal((await post(small)).status, 200);
  });

  test('a child answer in a Content-Encoding the engine cannot decode is the graph\'s fault: a gRPC caller gets INTERNAL, not INVALID_ARGUMENT', async () => {
    // The REST child's answer must be transcoded to protobuf for a gRPC caller, so the engine decodes it.
    const grpc = new SeldonGrpcClient(oddGraph.grpcPort);
    try {
      const answer = await grpc.call('Predict', { data: { ndarray: [[1]] } });
      assert.equal(answer.code, 13, answer.details);
      assert.match(answer.details, /Content-Encoding x-foo/);
    } finally {
      grpc.close();
    }
  });
});
