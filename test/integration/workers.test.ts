import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { restEndpoint, startChild } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';

/** One request on a fresh connection, so node:cluster can hand it to either worker. */
function predict(port: number): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1.0/predictions', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end('{"data":{"ndarray":[[1,2]]}}');
  });
}

/** Waits until both workers have logged that they listen. */
async function bothListening(engine: RunningEngine): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (engine.output.filter((l) => l.includes('"msg":"REST server listening"')).length < 2) {
    assert.ok(Date.now() < deadline, `second worker did not start:\n${engine.output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('--workers 2: two engine processes share the ports; metrics sum over both; SIGTERM stops all with 0', async () => {
  const engine = await startEngine({ args: ['--demo', '--workers=2'] });
  try {
    await bothListening(engine);
    for (let i = 0; i < 40; i++) assert.equal((await predict(engine.port)).status, 200);
    // Whichever worker answers the scrape, the count is the cluster's total.
    for (let i = 0; i < 4; i++) {
      const text = (await engine.get('/metrics')).text;
      const m = /seldon_api_executor_server_requests_seconds_count\{[^}]*service="predictions"[^}]*code="200"\} (\d+)/.exec(text);
      assert.equal(m?.[1], '40', `scrape ${i}:\n${text.slice(0, 2000)}`);
    }
  } finally {
    const code = await engine.stop('SIGTERM');
    assert.equal(code, 0);
  }
  assert.equal(engine.output.filter((l) => l.includes('"msg":"shutdown complete"')).length, 2);
});

test('--workers 2: summary quantiles are computed over both workers\' windows, not summed', async () => {
  // Every request takes 60-100 ms (the child waits 60 ms): merged quantiles stay in that range,
  // summed ones would be about twice as large.
  const child = await startChild(() => ({ delayMs: 60, json: { data: { ndarray: [[1]] } } }));
  const graph = { name: 'slow', type: 'MODEL', endpoint: restEndpoint(child.port), children: [] };
  const engine = await startEngine({ spec: { name: 'p', graph }, args: ['--workers=2'] });
  try {
    await bothListening(engine);
    // Fresh connections: node:cluster hands them to the workers in turn, so both have a window.
    for (let i = 0; i < 16; i++) assert.equal((await predict(engine.port)).status, 200);
    const text = (await engine.get('/metrics')).text;
    const quantile = (q: string): number => {
      const m = new RegExp(`seldon_api_executor_server_requests_seconds_summary\\{quantile="${q}"[^}]*service="predictions"[^}]*\\} ([0-9.e+-]+)`).exec(text);
      assert.ok(m !== null, `quantile ${q} in:\n${text.slice(0, 3000)}`);
      return Number(m[1]);
    };
    const count = /seldon_api_executor_server_requests_seconds_summary_count\{[^}]*service="predictions"[^}]*\} (\d+)/.exec(text);
    assert.equal(count?.[1], '16');
    for (const q of ['0.5', '0.9', '1']) {
      const v = quantile(q);
      assert.ok(v >= 0.06 && v < 0.11, `quantile ${q} = ${v} s: not within one request's 60-110 ms`);
    }
  } finally {
    assert.equal(await engine.stop('SIGTERM'), 0);
    await child.close();
  }
});
