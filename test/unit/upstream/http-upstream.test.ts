/**
 * HttpUpstream (src/upstream/http.ts), the REST child calls of the engine: the request it writes,
 * deadlines, cancellation, size limits and error codes, over its own connection pool, against real
 * servers on 127.0.0.1 (test/helpers/raw-child.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Cancel } from '../../../src/graph/cancel';
import { HttpUpstream, type HttpCall, type HttpReply } from '../../../src/upstream/http';
import { closedPort } from '../../helpers/child-server';
import { httpChild, OK, rawServer } from '../../helpers/raw-child';
import { rejected } from '../../helpers/rejected';

function call(extra: Partial<HttpCall> = {}): HttpCall {
  return {
    method: 'POST', path: '/predict', url: 'http://child/predict', body: [Buffer.from('{}')], contentType: 'application/json', contentEncoding: '',
    headers: {}, timeoutMs: 1000, signal: new Cancel(), node: 'model', ...extra,
  };
}

function upstream(maxResponseBytes = 1 << 20): HttpUpstream {
  return new HttpUpstream({ connectTimeoutMs: 1000, maxResponseBytes });
}

const asReply = (r: HttpReply): HttpReply => r;

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('HttpUpstream', { timeout: 5000 }, () => {
  test('request line, host, forwarded headers, content-type, content-length, then the body chunks in order', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', server.port);
      const body = [Buffer.from('{"data":'), Buffer.alloc(0), Buffer.from('{"ndarray":'), Buffer.from('[1,2]}}')];
      const reply = await http.request(pool, call({
        path: '/api/v1.0/predictions', body, contentEncoding: 'gzip',
        // The last five are the request's own or hop-by-hop (a gRPC caller's metadata may hold them): never copied.
        headers: {
          'x-custom': 'v', 'seldon-puid': 'p-1', 'x-many': ['a', 'b'],
          host: 'evil.example', 'content-length': '5', 'content-encoding': 'br', expect: '100-continue', connection: 'close',
        },
      }), asReply);
      assert.equal(reply.status, 200);
      assert.equal(Buffer.concat(reply.chunks).toString(), 'ok');
      assert.equal(reply.contentType, 'text/plain');
      const wire = Buffer.concat(server.connections[0]?.data ?? []).toString('latin1');
      assert.equal(wire, 'POST /api/v1.0/predictions HTTP/1.1\r\n'
        + `host: 127.0.0.1:${server.port}\r\n`
        + 'x-custom: v\r\n'
        + 'seldon-puid: p-1\r\n'
        + 'x-many: a\r\n'
        + 'x-many: b\r\n'
        + 'content-type: application/json\r\n'
        + 'content-encoding: gzip\r\n'
        + 'content-length: 26\r\n'
        + '\r\n'
        + '{"data":{"ndarray":[1,2]}}');
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('a GET has no content-length (nor content-type)', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', server.port);
      const reply = await http.request(pool, call({ method: 'GET', path: '/health/ping', body: undefined, headers: { 'x-custom': 'v' } }), asReply);
      assert.equal(reply.status, 200);
      assert.equal(server.requests[0]?.head, `GET /health/ping HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nx-custom: v\r\n\r\n`);
      assert.equal(Buffer.concat(server.connections[0]?.data ?? []).toString('latin1'), server.requests[0]?.head);
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('an answer that comes before the whole body was sent: the connection is not reused', async () => {
    // The child answers 413 as soon as it has the head and reads no more: most of the 8 MB body
    // stays in our socket's buffer, and must not go out ahead of the next request.
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      let seen = '';
      const onData = (chunk: Buffer): void => {
        seen += chunk.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        if (seen.startsWith('POST /big')) {
          socket.pause();
          socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig');
        } else {
          socket.write(OK);
        }
      };
      socket.on('data', onData);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', port);
      const big = await http.request(pool, call({ path: '/big', body: [Buffer.alloc(8 << 20, 0x20)] }), asReply);
      assert.equal(big.status, 413);
      const next = await http.request(pool, call({ path: '/small' }), asReply);
      assert.equal(next.status, 200);
      assert.equal(Buffer.concat(next.chunks).toString(), 'ok');
      assert.equal(sockets.length, 2, 'the second request went over a new connection');
    } finally {
      await http.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a header value holding \\r\\n is refused with BAD_REQUEST and nothing is sent', async () => {
    const server = await rawServer((req) => req.socket.write(OK));
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', server.port);
      for (const headers of [{ 'x-evil': 'a\r\nx-injected: 1' }, { 'x-evil': ['fine', 'b\nc'] }, { 'x-nul': 'a\0b' }]) {
        const err = await rejected(http.request(pool, call({ headers }), asReply));
        assert.equal(err.code, 'BAD_REQUEST');
      }
      await tick(20);
      assert.equal(server.connections.length, 0, 'a connection was opened');
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('a slow server: CHILD_TIMEOUT within timeoutMs, and its connection is closed', async () => {
    const server = await rawServer(); // never answers
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', server.port);
      const started = performance.now();
      const err = await rejected(http.request(pool, call({ timeoutMs: 50 }), asReply));
      const elapsed = performance.now() - started;
      assert.equal(err.code, 'CHILD_TIMEOUT');
      assert.match(err.message, /50 ms/);
      assert.ok(elapsed >= 45 && elapsed < 500, `timed out after ${elapsed} ms`);
      await server.connections[0]?.closed;
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('aborting the Cancel: CLIENT_CLOSED, and the server sees its socket closed', async () => {
    const server = await rawServer(); // never answers
    const http = upstream();
    try {
      const pool = http.pool('127.0.0.1', server.port);
      const cancel = new Cancel();
      const pending = http.request(pool, call({ signal: cancel }), asReply);
      await server.request(0);
      cancel.abort(new Error('the caller went away'));
      const err = await rejected(pending);
      assert.equal(err.code, 'CLIENT_CLOSED');
      assert.match(err.message, /the caller went away/);
      await server.connections[0]?.closed;
      // Already aborted: fails at once, nothing sent.
      const again = await rejected(http.request(pool, call({ signal: cancel }), asReply));
      assert.equal(again.code, 'CLIENT_CLOSED');
      await tick(10);
      assert.equal(server.connections.length, 1);
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('an answer over maxResponseBytes: CHILD_BAD_RESPONSE, at its head when Content-Length says so (one of exactly the limit is fine)', async () => {
    const server = await rawServer((req) => {
      if (req.head.startsWith('POST /chunked')) {
        req.socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n${'x'.repeat(9)}\r\n8\r\n${'x'.repeat(8)}\r\n0\r\n\r\n`);
        return;
      }
      // /big announces more than the limit and sends only its head: the call must fail without waiting for the body.
      if (req.head.startsWith('POST /big')) req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n');
      else req.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n${'x'.repeat(16)}`);
    });
    const http = upstream(16);
    try {
      const pool = http.pool('127.0.0.1', server.port);
      const fits = await http.request(pool, call({ path: '/fits' }), asReply);
      assert.equal(Buffer.concat(fits.chunks).length, 16);
      const announced = await rejected(http.request(pool, call({ path: '/big' }), asReply));
      assert.equal(announced.code, 'CHILD_BAD_RESPONSE');
      assert.match(announced.message, /announced an answer of 17 bytes .*more than the 16 allowed/);
      const err = await rejected(http.request(pool, call({ path: '/chunked' }), asReply));
      assert.equal(err.code, 'CHILD_BAD_RESPONSE');
      assert.match(err.message, /more than 16 bytes/);
    } finally {
      await http.close();
      await server.close();
    }
  });

  test('a non-200 answer resolves with its status, content type and body', async () => {
    const child = await httpChild((_req, _body, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"status":{"code":503,"info":"overloaded"}}');
    });
    const http = upstream();
    try {
      const reply = await http.request(http.pool('127.0.0.1', child.port), call(), asReply);
      assert.equal(reply.status, 503);
      assert.equal(reply.contentType, 'application/json');
      assert.equal(reply.contentEncoding, '');
      assert.equal(Buffer.concat(reply.chunks).toString(), '{"status":{"code":503,"info":"overloaded"}}');
    } finally {
      await http.close();
      await child.close();
    }
  });

  test('transport failures map to engine errors: refused is CHILD_UNREACHABLE, garbage CHILD_BAD_RESPONSE', async () => {
    const server = await rawServer((req) => req.socket.write('garbage\r\n\r\n'));
    const http = upstream();
    try {
      const refused = await rejected(http.request(http.pool('127.0.0.1', await closedPort()), call(), asReply));
      assert.equal(refused.code, 'CHILD_UNREACHABLE');
      assert.match(refused.message, /ECONNREFUSED/);
      const garbage = await rejected(http.request(http.pool('127.0.0.1', server.port), call(), asReply));
      assert.equal(garbage.code, 'CHILD_BAD_RESPONSE');
    } finally {
      await http.close();
      await server.close();
    }
  });
});

