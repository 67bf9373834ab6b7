import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

/**
 * A sidecar idles most of its life. Each timer that fires wakes the process (~50 µs of CPU on this
 * VM); prom-client's event-loop delay monitor alone, at its default 10 ms, woke an idle engine 100
 * times a second. The engine samples it every 100 ms (default-metrics.ts): about 12 wake-ups a
 * second with its 1 s timers. Counted as the main thread's voluntary context switches (Linux).
 */
test('an idle engine wakes its main thread fewer than 40 times a second', { skip: process.platform !== 'linux' }, async () => {
  const engine = await startEngine({ args: ['--demo'] });
  try {
    assert.equal((await engine.get('/ready')).status, 200);
    const pid = engine.process.pid as number;
    const before = voluntarySwitches(pid);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const perSecond = (voluntarySwitches(pid) - before) / 3;
    assert.ok(perSecond < 40, `${perSecond.toFixed(1)} wake-ups a second`);
  } finally {
    assert.equal(await engine.stop(), 0);
  }
});

function voluntarySwitches(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
  if (m === null) throw new Error(`no voluntary_ctxt_switches in /proc/${pid}/status`);
  return Number(m[1]);
}

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
