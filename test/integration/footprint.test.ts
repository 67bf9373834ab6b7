import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';

const PRELOAD = join(__dirname, '..', 'helpers', 'loaded-files-preload.js');

/**
 * What the engine loads decides much of its idle RSS (issue 5: < 70 MB). These packages are not
 * needed to serve REST, gRPC and metrics, and each costs megabytes: prom-client's index (its
 * Pushgateway loads https and zlib, its Summary tdigest), @opentelemetry/api (prom-client's CPU
 * exemplars; tracing loads it only when turned on), grpc-js (the engine's gRPC is raw node:http2).
 */
test('serving REST, gRPC and metrics loads no prom-client index, @opentelemetry/api, tdigest or grpc-js', async () => {
  const engine = await startEngine({ args: ['--demo'], env: { NODE_OPTIONS: `--require="${PRELOAD}"` } });
  const grpc = new SeldonGrpcClient(engine.grpcPort);
  try {
    assert.equal((await engine.post('/api/v1.0/predictions', { data: { ndarray: [[1, 2]] } })).status, 200);
    assert.equal((await grpc.call('Predict', { data: { ndarray: [[1, 2]] } })).code, 0);
    assert.match((await engine.get('/metrics')).text, /^process_cpu_seconds_total \d/m);
  } finally {
    grpc.close();
    assert.equal(await engine.stop(), 0);
  }
  const line = await waitFor(() => engine.output.find((l) => l.startsWith('LOADED_FILES ')));
  const files = JSON.parse(line.slice('LOADED_FILES '.length)) as string[];
  // The preload sees the engine's modules: prom-client's registry is one of them.
  assert.ok(files.some((f) => f.endsWith('/node_modules/prom-client/lib/registry.js')), files.join('\n'));
  const unwanted = files.filter((f) => /\/node_modules\/(prom-client\/index\.js|@opentelemetry\/api\/|tdigest\/|@grpc\/grpc-js\/)/.test(f));
  assert.deepEqual(unwanted, []);
});

/** The engine's last stderr lines arrive after its exit event. */
async function waitFor<T>(find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error('not found in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
