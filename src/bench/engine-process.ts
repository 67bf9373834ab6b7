import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNodeProcess, type BenchChild } from './child-process';
import { readMemoryKb } from './proc-stats';

/** The built engine entry point (this file is dist/src/bench/engine-process.js). */
export const ENGINE_MAIN = join(__dirname, '..', 'main.js');

export interface EngineProcessOptions {
  /** The graph: a PredictorSpec or SeldonDeployment file (.json/.yaml). */
  readonly file: string;
  readonly engineMain?: string;
  /** Extra engine flags, e.g. `--log_level=WARNING`. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface EngineProcess {
  readonly pid: number;
  readonly restPort: number;
  readonly grpcPort: number;
  /** VmRSS once the engine is ready and before any load, in MiB. */
  readonly idleRssMb: number;
  readonly child: BenchChild;
  stop(): Promise<void>;
}

const LISTENING = /"msg":"REST server listening"/;
const READY_TIMEOUT_MS = 15_000;

/**
 * Starts the engine on free ports as a separate process (its CPU and memory are then its own), waits
 * for its "REST server listening" log line and for GET /ready to answer 200, and reads its idle RSS.
 */
export async function startEngineProcess(options: EngineProcessOptions): Promise<EngineProcess> {
  const child = await startNodeProcess({
    name: 'engine',
    args: [options.engineMain ?? ENGINE_MAIN, '--file', options.file, '--http_port=0', '--grpc_port=0', ...(options.args ?? [])],
    readyPattern: LISTENING,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  try {
    const line = child.readyMatch.input;
    const restPort = Number(/"port":(\d+)/.exec(line)?.[1] ?? NaN);
    const grpcPort = Number(/"grpc_port":(\d+)/.exec(line)?.[1] ?? NaN);
    if (!Number.isInteger(restPort) || !Number.isInteger(grpcPort)) throw new Error(`no ports in the engine's listening line: ${line}`);
    await waitReady(restPort, child);
    // Let start-up garbage settle a moment so "idle" means idle.
    await sleep(300);
    const idleRssMb = Math.round(readMemoryKb(child.pid).rssKb / 102.4) / 10;
    return { pid: child.pid, restPort, grpcPort, idleRssMb, child, stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

async function waitReady(port: number, child: BenchChild): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  throw new Error(`engine not ready within ${READY_TIMEOUT_MS} ms (last /ready: ${last}):\n${child.tail()}`);
}
