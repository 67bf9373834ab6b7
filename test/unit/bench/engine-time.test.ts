import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineTimeBetween, formatEngineTime, parseEngineTime } from '../../../src/bench/engine-time';

/** The engine's exposition text: several label sets of one service, other services, and lookalike names. */
function metrics(predictions: { ok: [number, number]; err: [number, number]; own: [number, number] }): string {
  const labels = (service: string, code: string): string =>
    `deployment_name="d",predictor_name="p",predictor_version="",service="${service}",method="post",code="${code}"`;
  return [
    '# HELP seldon_api_executor_server_requests_seconds A histogram of latencies for executor server',
    '# TYPE seldon_api_executor_server_requests_seconds histogram',
    `seldon_api_executor_server_requests_seconds_bucket{le="0.005",${labels('predictions', '200')}} 7`,
    `seldon_api_executor_server_requests_seconds_sum{${labels('predictions', '200')}} ${predictions.ok[0]}`,
    `seldon_api_executor_server_requests_seconds_count{${labels('predictions', '200')}} ${predictions.ok[1]}`,
    `seldon_api_executor_server_requests_seconds_sum{${labels('predictions', '500')}} ${predictions.err[0]}`,
    `seldon_api_executor_server_requests_seconds_count{${labels('predictions', '500')}} ${predictions.err[1]}`,
    `seldon_api_executor_server_requests_seconds_sum{${labels('feedback', '200')}} 99`,
    `seldon_api_executor_server_requests_seconds_count{${labels('feedback', '200')}} 99`,
    `seldon_api_executor_server_requests_seconds_summary_sum{${labels('predictions', '200')}} 1000`,
    `seldon_api_executor_server_requests_seconds_summary_count{${labels('predictions', '200')}} 1000`,
    `infergraph_engine_overhead_seconds_sum{service="predictions"} ${predictions.own[0]}`,
    `infergraph_engine_overhead_seconds_count{service="predictions"} ${predictions.own[1]}`,
    'infergraph_engine_overhead_seconds_sum{service="predictions2"} 50',
    'infergraph_engine_overhead_seconds_count{service="predictions2"} 50',
    'process_cpu_seconds_total 3.5',
  ].join('\n');
}

test('parseEngineTime sums one service over its label sets and skips other services and metric names', () => {
  const sample = parseEngineTime(metrics({ ok: [0.5, 100], err: [0.25, 10], own: [0.05, 110] }), 'predictions');
  assert.deepEqual(sample, { requests: 110, totalSeconds: 0.75, ownRequests: 110, ownSeconds: 0.05 });
  assert.deepEqual(parseEngineTime('', 'predictions'), { requests: 0, totalSeconds: 0, ownRequests: 0, ownSeconds: 0 });
});

test('engineTimeBetween: means over the requests between two scrapes, none when nothing was served', () => {
  const before = parseEngineTime(metrics({ ok: [0.5, 100], err: [0, 0], own: [0.05, 100] }), 'predictions');
  const after = parseEngineTime(metrics({ ok: [2.5, 1100], err: [0, 0], own: [0.15, 1100] }), 'predictions');
  const t = engineTimeBetween(before, after);
  assert.ok(t !== undefined);
  assert.equal(t.requests, 1000);
  assert.ok(Math.abs(t.meanUs - 2000) < 1e-6, String(t.meanUs));
  assert.ok(Math.abs(t.ownUs - 100) < 1e-6, String(t.ownUs));
  assert.equal(engineTimeBetween(after, after), undefined);
  assert.match(formatEngineTime(t), /1,000 requests in the measured windows\): 2,000 µs, of which its own 100 µs \(5 %\)/);
});
