/**
 * The bidirectional-streaming adapter (src/transports/grpc/h2-streaming.ts) against a handler that
 * ignores backpressure: what one call may hold for a caller that does not read is capped, and the
 * call then ends with RESOURCE_EXHAUSTED (in the trailers, after the answers that were sent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { GrpcH2Server } from '../../../src/transports/grpc/h2-server';

const identity = (b: Buffer): Buffer => b;
const FLOOD = '/test.Svc/Flood';

test('a handler writing far more than the caller reads: the call ends RESOURCE_EXHAUSTED past the cap, not holding it all', async () => {
  const server = new GrpcH2Server(64 * 1024 * 1024);
  const answer = Buffer.alloc(100 * 1024, 7);
  const answers = 200; // 20 MB, five times the cap
  server.addService({ Flood: { path: FLOOD, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } }, {
    Flood: (call: ServerDuplexStream<Buffer, Buffer>) => {
      // Writes every answer at once, as a handler that ignores write()'s return value would.
      call.on('data', () => {
        for (let i = 0; i < answers; i++) call.write(answer);
      });
      call.on('end', () => call.end());
    },
  });
  const port = await server.listen({ host: '127.0.0.1', port: 0 });
  const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
  session.on('error', () => undefined);
  try {
    const stream = session.request({ ':method': 'POST', ':path': FLOOD, 'content-type': 'application/grpc', te: 'trailers' });
    let trailers: IncomingHttpHeaders | undefined;
    let received = 0;
    stream.on('trailers', (h) => {
      trailers = h;
    });
    stream.on('data', (c: Buffer) => {
      received += c.length;
    });
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    await new Promise((r) => setTimeout(r, 200));
    // Now the caller reads: it gets what the adapter held (at most the cap), then the status.
    session.settings({ initialWindowSize: 1024 * 1024 });
    await closed;
    assert.equal(trailers?.['grpc-status'], '8');
    assert.match(decodeURIComponent(String(trailers?.['grpc-message'])), /not reading the answers: more than \d+ bytes are waiting to be sent/);
    assert.ok(received < 8 * 1024 * 1024, `received ${received} bytes`);
  } finally {
    session.destroy();
    server.forceShutdown();
  }
});
