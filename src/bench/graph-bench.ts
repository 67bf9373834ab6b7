import { engineTimeBetween, formatEngineTime, scrapeEngineTime, type EngineTime, type EngineTimeSample } from './engine-time';
import { machineInfo, type MachineInfo } from './machine';
import { measure } from './measure';
import { startEngineProcess, type EngineProcess } from './engine-process';
import { ENGINE_GRPC_METHOD, ENGINE_REST_PATH, grpcPath, restPath } from './paths';
import { loadPayload } from './payloads';
import { ProgressLine, type ProgressStream } from './progress';
import { formatResultsTable, totalErrors, type CaseResult } from './report';

/** `infergraph bench`: load against one graph with its real children. */
export interface GraphBenchOptions {
  /** The graph (PredictorSpec or SeldonDeployment, .json/.yaml); ignored with `enginePort`. */
  readonly file: string;
  readonly transport: 'rest' | 'grpc';
  /** Connections (REST) or concurrent calls (gRPC). */
  readonly connections: number;
  /** Length of each measured window, in seconds. */
  readonly durationSec: number;
  /** Warm-up before the first window (default: min(3, durationSec)). */
  readonly warmupSec?: number;
  /** Measured windows; the table shows their median (default 1). */
  readonly rounds?: number;
  /** `p1` (default), `p2`, or the path of a file holding one Seldon JSON message. */
  readonly payload?: string;
  /** Load an engine that is already running on this port (REST or gRPC, per `transport`) instead of starting one. */
  readonly enginePort?: number;
  /** That engine's pid, for its CPU and memory columns. */
  readonly enginePid?: number;
  /** Extra flags for the engine this starts. */
  readonly engineArgs?: readonly string[];
  /** Where the progress line and the table go (nothing is printed without it). */
  readonly out?: ProgressStream;
  /** Stops the run: the engine is stopped and the promise rejects. */
  readonly signal?: AbortSignal;
}

export interface BenchResult {
  readonly machine: MachineInfo;
  readonly transport: 'rest' | 'grpc';
  readonly payload: string;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly rounds: number;
  readonly case: CaseResult;
  /** Errors plus non-2xx over warm-up and rounds: anything but 0 means the numbers are not valid. */
  readonly errors: number;
  /**
   * The engine's time per request over the measured windows, from its metrics (absent when they
   * could not be read: see `engineTimeNote`).
   */
  readonly engineTime?: EngineTime;
  /** Why engineTime is absent. */
  readonly engineTimeNote?: string;
}

/**
 * Starts the engine on the graph (unless `enginePort` is given), runs warm-up and `rounds` windows
 * of closed-loop load against it, prints a progress line and the result table to `out`, and stops
 * the engine it started. Children must already be running: they are the graph's real endpoints.
 *
 * @example
 * const result = await runGraphBench({ file: 'graph.yaml', transport: 'rest', connections: 32, durationSec: 10, out: process.stdout });
 * process.exitCode = result.errors === 0 ? 0 : 1;
 */
export async function runGraphBench(options: GraphBenchOptions): Promise<BenchResult> {
  const machine = machineInfo();
  const payload = loadPayload(options.payload ?? 'p1');
  const warmupSec = options.warmupSec ?? Math.min(3, options.durationSec);
  const rounds = options.rounds ?? 1;
  const progress = options.out === undefined ? undefined : new ProgressLine(options.out);
  options.signal?.throwIfAborted();
  progress?.update(options.enginePort === undefined ? `starting the engine on ${options.file}` : 'connecting');
  const engine = options.enginePort === undefined
    ? await startEngineProcess({ file: options.file, ...(options.engineArgs === undefined ? {} : { args: options.engineArgs }) })
    : undefined;
  const onAbort = (): void => void engine?.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const pid = engine?.pid ?? options.enginePid;
    const procs = pid === undefined ? {} : { pid };
    const path = options.transport === 'rest'
      ? restPath('engine', `http://127.0.0.1:${enginePort(options, engine)}${ENGINE_REST_PATH}`, payload.json, options.connections, procs)
      : grpcPath('engine', `127.0.0.1:${enginePort(options, engine)}`, ENGINE_GRPC_METHOD, payload.proto, options.connections, procs);
    const label = `${options.transport} c=${options.connections}`;
    const metrics = metricsUrl(options, engine);
    const service = options.transport === 'rest' ? 'predictions' : ENGINE_GRPC_METHOD;
    let note = metrics === undefined ? 'the engine time needs its REST port for /metrics: not known for a gRPC --engine-port' : undefined;
    /** The engine's sample now; undefined (with the reason in `note`) when its metrics cannot be read. */
    const scrape = (): Promise<EngineTimeSample | undefined> =>
      metrics === undefined
        ? Promise.resolve(undefined)
        : scrapeEngineTime(metrics, service).catch((err: unknown) => {
            note = `no engine time: ${(err as Error).message}`;
            return undefined;
          });
    let before: EngineTimeSample | undefined;
    const afterWarmup = async (): Promise<void> => {
      before = await scrape();
    };
    const [measured] = await measure({ paths: [path], warmupSec, rounds, durationSec: options.durationSec, label, afterWarmup, ...(progress === undefined ? {} : { progress }) });
    options.signal?.throwIfAborted();
    let engineTime: EngineTime | undefined;
    if (before !== undefined) {
      const after = await scrape();
      engineTime = after === undefined ? undefined : engineTimeBetween(before, after);
      if (after !== undefined && engineTime === undefined) note = `no engine time: its metrics recorded no ${service} request in the measured windows`;
    }
    const result: CaseResult = {
      id: `${options.transport}-${payload.name === 'p1' || payload.name === 'p2' ? payload.name : 'payload'}@c${options.connections}`,
      transport: options.transport,
      connections: options.connections,
      ...(engine === undefined ? {} : { idleRssMb: engine.idleRssMb }),
      paths: measured === undefined ? [] : [measured],
    };
    progress?.log(formatResultsTable([result]));
    progress?.log(engineTime === undefined ? `(${note ?? 'no engine time'})` : formatEngineTime(engineTime));
    return {
      machine, transport: options.transport, payload: payload.name, durationSec: options.durationSec, warmupSec, rounds, case: result, errors: totalErrors([result]),
      ...(engineTime === undefined ? {} : { engineTime }),
      ...(engineTime === undefined && note !== undefined ? { engineTimeNote: note } : {}),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    progress?.clear();
    await engine?.stop();
  }
}

/**
 * The engine's metrics endpoint: on the REST port of the engine this started, or of the one given
 * with `--engine-port` under REST; unknown for a gRPC `--engine-port`. The default path: an engine
 * started with another `--prometheus_path` gets a note instead of the engine time.
 */
function metricsUrl(options: GraphBenchOptions, engine: EngineProcess | undefined): string | undefined {
  const port = engine !== undefined ? engine.restPort : options.transport === 'rest' ? options.enginePort : undefined;
  return port === undefined ? undefined : `http://127.0.0.1:${port}/metrics`;
}

function enginePort(options: GraphBenchOptions, engine: EngineProcess | undefined): number {
  if (engine === undefined) return options.enginePort ?? 0;
  return options.transport === 'rest' ? engine.restPort : engine.grpcPort;
}
