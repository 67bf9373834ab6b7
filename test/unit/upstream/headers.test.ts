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
