/**
 * `infergraph bench` (issue 5 item 3): the command users run against their own graph. It starts the
 * real engine on the graph, loads it against a real child server, shows a progress line on a
 * terminal, prints the table and writes the JSON; bad arguments are refused before anything starts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommand } from '../../src/bench/bench-command';
import { runGrpcLoad } from '../../src/bench/grpc-load';
import { restEndpoint, startChild, type ChildServer } from '../helpers/child-server';

/** A stream that says it is a terminal, so the progress line is drawn, and keeps what it got. */
function terminal(): { isTTY: boolean; text: string; write(t: string): boolean } {
  return { isTTY: true, text: '', write(t: string) { this.text += t; return true; } };
}

let child: ChildServer;
let dir: string;
let graph: string;

before(async () => {
  // A child that takes 2 ms: the engine's own time must come out far below its time per request.
  child = await startChild(() => ({ json: { data: { ndarray: [[0.5]] } }, delayMs: 2 }));
  dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  graph = join(dir, 'graph.json');
  writeFileSync(graph, JSON.stringify({ name: 'p', graph: { name: 'm', type: 'MODEL', endpoint: restEndpoint(child.port), children: [] } }));
});

after(async () => {
  await child?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('runs load through the engine to the real child, with a progress line, the table and the JSON', { timeout: 60_000 }, async () => {
  const out = terminal();
  const err = terminal();
  const json = join(dir, 'result.json');
  const code = await benchCommand(['--file', graph, '--duration', '1', '--warmup', '0.5', '--connections', '4', '--json', json], { stdout: out, stderr: err });
  assert.equal(code, 0, err.text);
  assert.match(out.text, /\r\x1b\[Kstarting the engine on /);
  assert.match(out.text, /rest-p1@c4\s+engine\s+[\d,]+/);
  type Result = { errors: number; case: { paths: Array<{ median: { reqPerSec: number; completed: number } }> }; engineTime?: { requests: number; meanUs: number; ownUs: number } };
  const result = JSON.parse(readFileSync(json, 'utf8')) as Result;
  assert.equal(result.errors, 0);
  const median = result.case.paths[0]?.median;
  assert.ok(median !== undefined && median.reqPerSec > 0 && median.completed > 0, JSON.stringify(median));
  assert.ok(child.calls.length >= median.completed, `the child saw ${child.calls.length} calls`);
  // The engine's metrics over the measured window: the requests the load completed (give or take
  // the few in flight at either scrape), each waiting >= 2 ms on the child, the engine's own share small.
  const t = result.engineTime;
  assert.ok(t !== undefined, 'no engineTime in the JSON');
  assert.ok(Math.abs(t.requests - median.completed) <= 8, `${t.requests} requests in the metrics, ${median.completed} completed`);
  assert.ok(t.meanUs >= 2000, `mean ${t.meanUs} µs`);
  assert.ok(t.ownUs > 0 && t.ownUs < t.meanUs - 1500, `own ${t.ownUs} of ${t.meanUs} µs`);
  assert.match(out.text, /time in the engine per request, from its handler to its answer \(its metrics, [\d,]+ requests in the measured windows\): [\d,]+ µs, of which its own [\d,]+ µs/);
});

test('bad arguments are refused before anything starts: exit 2, naming the option', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--connections', '1000000000'], /--connections must be an integer from 1 to 10000/],
    [['--duration', '1e9'], /--duration must be a number from 0\.1 to 86400/],
    [['--rounds', '1.5'], /--rounds must be an integer from 1 to 1000/],
    [['--payload', 'p9'], /--payload must be p1, p2 or a file with one Seldon JSON message; cannot read "p9" \(ENOENT\)/],
    [['--engine-port', '99999'], /--engine-port must be an integer from 1 to 65535/],
    [['--json', join(dir, 'no-such-folder', 'r.json')], /--json ".*r\.json" cannot be written \(ENOENT\)/],
    [['--json', dir], /--json ".*" cannot be written \(not a file\)/],
    [['--payload', dir], /--payload must be p1, p2 or a file with one Seldon JSON message; cannot read ".*" \(not a file\)/],
  ];
  for (const [args, message] of cases) {
    const out = terminal();
    const err = terminal();
    const calls = child.calls.length;
    assert.equal(await benchCommand(['--file', graph, ...args], { stdout: out, stderr: err }), 2, args.join(' '));
    assert.match(err.text, message);
    assert.equal(child.calls.length, calls, 'nothing was started');
  }
});

test('gRPC load at a port that does not speak gRPC (a REST server): refused naming the target, not grpc-js\'s bare deadline message', async () => {
  const target = `127.0.0.1:${child.port}`;
  const started = performance.now();
  await assert.rejects(
    runGrpcLoad({ target, method: '/seldon.protos.Seldon/Predict', message: Buffer.alloc(0), concurrency: 1, durationSec: 1, connectTimeoutMs: 300 }),
    (err: Error) => err.message.startsWith(`no gRPC connection to ${target} within 0.3 s (`) && err.message.endsWith('is a gRPC server listening there?'),
  );
  assert.ok(performance.now() - started < 5000, 'gave up within the connect timeout');
});
