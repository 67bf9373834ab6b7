import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardHeaders } from '../../../src/upstream/headers';

test('forwards end-to-end headers, drops hop-by-hop and payload headers, sets the puid', () => {
  const out = forwardHeaders({
    host: 'engine:8000', connection: 'keep-alive, x-hop', 'keep-alive': 'timeout=5', 'x-hop': 'secret', te: 'trailers',
    'transfer-encoding': 'chunked', upgrade: 'h2c', 'content-type': 'application/json', 'content-length': '10',
    authorization: 'Bearer t', 'x-custom': 'v', 'seldon-puid': 'old', 'accept-encoding': 'gzip',
  }, 'p-1');
  assert.deepEqual(out, { authorization: 'Bearer t', 'x-custom': 'v', 'seldon-puid': 'p-1', 'accept-encoding': 'gzip' });
});

test('Connection: the usual keep-alive or close forwards the rest; any other value drops the headers it names, in any case', () => {
  for (const connection of ['keep-alive', 'Keep-Alive', 'close']) {
    assert.deepEqual(forwardHeaders({ connection, 'keep-alive': 'timeout=5', 'x-custom': 'v' }, 'p'), { 'x-custom': 'v', 'seldon-puid': 'p' });
  }
  assert.deepEqual(forwardHeaders({ connection: 'Close, X-Hop', 'x-hop': 's', 'x-custom': 'v' }, 'p'), { 'x-custom': 'v', 'seldon-puid': 'p' });
  assert.deepEqual(forwardHeaders({ connection: 'x-custom', 'x-custom': 'v' }, 'p'), { 'seldon-puid': 'p' });
});
