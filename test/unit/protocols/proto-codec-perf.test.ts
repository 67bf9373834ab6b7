import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSeldonCodec, type SeldonMessageType } from '../../../src/protocols/seldon/proto-codec';

const PROTO_DIR = join(__dirname, '..', '..', '..', '..', 'protos');
const codec = loadSeldonCodec(PROTO_DIR);

const N = 131072; // 1 MiB of doubles

/** Median ms of toProto and toJson over `runs` runs (after one warm-up run), and the last output. */
function measure(type: SeldonMessageType, json: unknown, runs: number): { toProto: number; toJson: number; size: number; out: unknown } {
  const toProto: number[] = [];
  const toJson: number[] = [];
  let size = 0;
  let out: unknown;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const bytes = codec.toProto(type, json);
    const t1 = performance.now();
    out = codec.toJson(type, bytes);
    const t2 = performance.now();
    size = bytes.length;
    if (i > 0) (toProto.push(t1 - t0), toJson.push(t2 - t1));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { toProto: median(toProto), toJson: median(toJson), size, out };
}

test('1 MiB data.tensor.values: toProto + toJson take a few ms (bound: 200 ms)', (t) => {
  const values = Array.from({ length: N }, (_, i) => i / 7);
  const json = { data: { names: ['x'], tensor: { shape: [N / 128, 128], values } }, meta: { puid: 'perf' } };
  const r = measure('SeldonMessage', json, 7);
  t.diagnostic(`tensor ${r.size} bytes: toProto ${r.toProto.toFixed(2)} ms, toJson ${r.toJson.toFixed(2)} ms (median of 7)`);
  assert.equal(r.size, 8 * N + 29); // + tags/lengths, shape [1024,128], names ['x'], meta.puid
  assert.deepEqual(r.out, json);
  assert.ok(r.toProto + r.toJson < 200, `took ${(r.toProto + r.toJson).toFixed(1)} ms`);
});

test('1 MiB ndarray (1024 rows x 128): toProto + toJson stay well under the bound', (t) => {
  const ndarray = Array.from({ length: N / 128 }, (_, r) => Array.from({ length: 128 }, (_, c) => r * 128 + c + 0.5));
  const r = measure('SeldonMessage', { data: { ndarray } }, 5);
  t.diagnostic(`ndarray ${r.size} bytes: toProto ${r.toProto.toFixed(2)} ms, toJson ${r.toJson.toFixed(2)} ms (median of 5)`);
  assert.deepEqual(r.out, { data: { ndarray } });
  assert.ok(r.toProto + r.toJson < 400, `took ${(r.toProto + r.toJson).toFixed(1)} ms`);
});

test('small message: microseconds per conversion', (t) => {
  const json = { data: { names: ['a', 'b'], ndarray: [[1, 2], [3, 4]] }, meta: { puid: 'p', routing: { r: 1 } } };
  const runs = 20000;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) codec.toJson('SeldonMessage', codec.toProto('SeldonMessage', json));
  const us = ((performance.now() - t0) * 1000) / runs;
  t.diagnostic(`small SeldonMessage round trip: ${us.toFixed(2)} µs`);
  assert.ok(us < 200, `${us} µs`);
});
