import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcUpstream } from '../../../src/upstream/grpc';
import { readAnswer, type UnaryResult } from '../../../src/upstream/grpc-exchange';
import { Cancel } from '../../../src/graph/cancel';
import { answerOk, grpcFrame, startH2Child } from '../../helpers/h2-child';
import { splitAt } from '../../helpers/split-chunks';

const HI = Buffer.from('hi there, child');

/** Cut at the positions, without empty chunks (HTTP/2 never delivers one). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  return splitAt(bytes, cuts).filter((c) => c.length > 0);
}

/** A result with its body joined, to compare answers read from different splits. */
function joined(result: UnaryResult): unknown {
  return result.body === undefined ? result : { ...result, body: Buffer.concat(result.body) };
}

test('an answer split at any one or two positions reads as the same bytes, or fails with the same details', () => {
  const answers: Buffer[] = [
    grpcFrame(HI), grpcFrame(Buffer.alloc(0)), grpcFrame(HI, 1), grpcFrame(HI, 7), grpcFrame(HI).subarray(0, 7),
    Buffer.from([0, 0]), Buffer.concat([grpcFrame(HI), grpcFrame(HI)]), Buffer.concat([grpcFrame(HI), Buffer.from([0])]),
  ];
  for (const data of answers) {
    const want = joined(readAnswer(data.length === 0 ? [] : [data], data.length));
    for (let i = 0; i <= data.length; i++) {
      for (let j = i; j <= data.length; j++) assert.deepEqual(joined(readAnswer(split(data, [i, j]), data.length)), want, `[${[...data.subarray(0, 8)].join(',')}…] cut at ${i}, ${j}`);
    }
  }
  assert.deepEqual(readAnswer([], 0), { code: 13, details: 'answered OK with no message', malformed: true });
});

test('the answer body is subarrays of the chunks received (no copy)', () => {
  const data = grpcFrame(HI);
  const chunks = split(data, [3, 9]);
  const body = readAnswer(chunks, data.length).body ?? [];
  assert.equal(body.length, 2);
  assert.equal(body[0]?.buffer, chunks[1]?.buffer);
  assert.ok(Buffer.concat(body).equals(HI));
});

const grpc = new GrpcUpstream({ maxMessageBytes: 1 << 22, channelsPerTarget: 1, pingTimeoutMs: 5000 });
after(() => grpc.close());

const call = (port: number, body: Buffer | readonly Buffer[]): Promise<readonly Buffer[]> => grpc.target(`127.0.0.1:${port}`).unary({
  method: '/seldon.protos.Model/Predict', body, headers: {}, timeoutMs: 5000, deadline: undefined, signal: new Cancel(), node: 'm',
}, () => undefined);

test('a request given as chunks reaches the child as one message with the same bytes (small: one frame; large: prefix + chunks)', async () => {
  const child = await startH2Child((c) => answerOk(c.stream, grpcFrame(HI)));
  try {
    const small = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cdef')];
    const large = Array.from({ length: 70 }, (_, i) => Buffer.alloc(16_384 + i, i));
    for (const body of [small, large]) {
      assert.ok(Buffer.concat(await call(child.port, body)).equals(HI));
      const received = await child.calls.at(-1)?.body;
      assert.ok(received?.equals(grpcFrame(Buffer.concat(body))), `${Buffer.concat(body).length} bytes`);
    }
  } finally {
    await child.close();
  }
});

test('an answer written a few bytes at a time (its prefix across DATA frames) reads whole', async () => {
  const message = Buffer.concat([HI, Buffer.alloc(3000, 9)]);
  const data = grpcFrame(message);
  const child = await startH2Child((c) => {
    c.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    c.stream.once('wantTrailers', () => c.stream.sendTrailers({ 'grpc-status': '0' }));
    let at = 0;
    const next = (): void => {
      if (at >= data.length) {
        c.stream.end();
        return;
      }
      const n = at < 10 ? 1 : 700;
      c.stream.write(data.subarray(at, at + n));
      at += n;
      setImmediate(next);
    };
    next();
  });
  try {
    const body = await call(child.port, HI);
    assert.ok(body.length > 1, 'the answer arrived in several chunks');
    assert.ok(Buffer.concat(body).equals(message));
  } finally {
    await child.close();
  }
});
