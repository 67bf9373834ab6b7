import { parseArgs } from 'node:util';
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { runGraphBench, type GraphBenchOptions } from './graph-bench';
import type { ProgressStream } from './progress';

export const BENCH_USAGE = `usage: infergraph bench --file <graph.yaml|json> [options]

Starts the engine on the graph (its children must be running), sends closed-loop load to it and
prints req/s, latency percentiles, errors, the engine's CPU µs per request and its memory, then
the engine's time per request and its own share of it (the rest is waiting on the children), from
the engine's metrics.

  --file <path>          the graph: PredictorSpec or SeldonDeployment (required unless --engine-port)
  --transport rest|grpc  protocol of the load (default rest)
  --connections <n>      connections (REST) or concurrent calls (gRPC) (default 32)
  --duration <s>         seconds per measured window (default 10)
  --warmup <s>           warm-up seconds (default min(3, duration))
  --rounds <n>           measured windows, median reported (default 1)
  --payload <p>          p1 (4 floats, default), p2 (~1 MB tensor) or a file with one Seldon JSON message
  --engine-port <port>   load an engine that is already running instead of starting one: its REST
                         port, or its gRPC port with --transport grpc
  --engine-pid <pid>     that engine's pid, for CPU and memory
  --json <path>          also write the result as JSON
`;

/** Parses `infergraph bench` arguments (argv after "bench"); throws an Error with the reason. */
export function parseBenchArgs(argv: readonly string[]): GraphBenchOptions & { json?: string } {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      file: { type: 'string' }, transport: { type: 'string' }, connections: { type: 'string' }, duration: { type: 'string' },
      warmup: { type: 'string' }, rounds: { type: 'string' }, payload: { type: 'string' }, 'engine-port': { type: 'string' },
      'engine-pid': { type: 'string' }, json: { type: 'string' },
    },
  });
  const transport = values.transport ?? 'rest';
  if (transport !== 'rest' && transport !== 'grpc') throw new Error(`--transport must be rest or grpc, not ${JSON.stringify(transport)}`);
  if (values.file === undefined && values['engine-port'] === undefined) throw new Error('--file is required');
  const num = (name: string, raw: string | undefined, dflt: number, min: number, max: number, integer: boolean): number => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const optional = <K extends string, V>(key: K, v: V | undefined): { [k in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [k in K]: V }));
  if (values.payload !== undefined) checkPayload(values.payload);
  if (values.json !== undefined) checkWritable(values.json);
  return {
    file: values.file ?? '',
    transport,
    connections: num('connections', values.connections, 32, 1, MAX_CONNECTIONS, true),
    durationSec: num('duration', values.duration, 10, 0.1, MAX_SECONDS, false),
    rounds: num('rounds', values.rounds, 1, 1, MAX_ROUNDS, true),
    ...optional('warmupSec', values.warmup === undefined ? undefined : num('warmup', values.warmup, 0, 0, MAX_SECONDS, false)),
    ...optional('payload', values.payload),
    ...optional('enginePort', values['engine-port'] === undefined ? undefined : num('engine-port', values['engine-port'], 0, 1, 65_535, true)),
    ...optional('enginePid', values['engine-pid'] === undefined ? undefined : num('engine-pid', values['engine-pid'], 0, 1, 2 ** 31 - 1, true)),
    ...optional('json', values.json),
  };
}

/** Bounds of the numeric options: past them a run would exhaust memory or outlive any use. */
const MAX_CONNECTIONS = 10_000;
const MAX_SECONDS = 86_400;
const MAX_ROUNDS = 1_000;

/** A payload is p1, p2 or a readable file: said before the run, not as a bare ENOENT. */
function checkPayload(payload: string): void {
  if (payload === 'p1' || payload === 'p2') return;
  try {
    accessSync(payload, constants.R_OK);
    if (!statSync(payload).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
  } catch (err) {
    throw new Error(`--payload must be p1, p2 or a file with one Seldon JSON message; cannot read ${JSON.stringify(payload)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** --json must name a file that can be written (its folder, and the file itself if it exists): found out before the run, not after it. */
function checkWritable(file: string): void {
  try {
    const path = resolve(file);
    if (existsSync(path)) {
      if (!statSync(path).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
      accessSync(path, constants.W_OK);
    } else {
      accessSync(dirname(path), constants.W_OK);
    }
  } catch (err) {
    throw new Error(`--json ${JSON.stringify(file)} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The whole `infergraph bench` command, for main.ts: parses `argv` (the arguments after "bench"),
 * runs, prints the progress line and table, and resolves with the exit code (0 only when every
 * request succeeded; 2 on bad arguments; 130 when interrupted by SIGINT/SIGTERM).
 */
export async function benchCommand(argv: readonly string[], io: { stdout: ProgressStream; stderr: ProgressStream }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(BENCH_USAGE);
    return 0;
  }
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(argv);
  } catch (err) {
    io.stderr.write(`infergraph bench: ${(err as Error).message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runGraphBench({ ...options, out: io.stdout, signal: abort.signal });
    if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
    if (result.errors > 0) io.stderr.write(`infergraph bench: ${result.errors} requests failed; the numbers are not valid\n`);
    return result.errors === 0 ? 0 : 1;
  } catch (err) {
    if (abort.signal.aborted) return 130;
    io.stderr.write(`infergraph bench: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
