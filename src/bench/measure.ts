import type { LoadProgress, LoadResult } from './load-result';
import { ProcessWatch, type ProcessWindow } from './proc-stats';
import type { ProgressLine } from './progress';

/** One way to send load: straight to a stub ("direct"), through the bare hop, or through the engine. */
export interface LoadPath {
  readonly name: string;
  /** The process whose CPU per request is this path's cost (engine or bare hop); none for direct. */
  readonly pid?: number;
  /** Model-server processes behind the path, watched for CPU too. */
  readonly stubPids?: readonly number[];
  run(durationSec: number, onProgress: LoadProgress): Promise<LoadResult>;
}

/** One measured window of one path. Times in µs, memory in MiB. */
export interface RunRecord {
  readonly reqPerSec: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly completed: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly durationSec: number;
  /** CPU of `LoadPath.pid` per completed request. */
  readonly cpuUsPerReq?: number;
  /** CPU of all stub processes per completed request. */
  readonly stubCpuUsPerReq?: number;
  /** CPU of this (load-generating) process per completed request. */
  readonly loadgenCpuUsPerReq: number;
  readonly rssMb?: number;
  readonly rssMaxMb?: number;
  readonly hwmMb?: number;
  readonly firstError?: string;
}

export interface PathMeasurement {
  readonly name: string;
  readonly warmup: RunRecord | undefined;
  readonly rounds: readonly RunRecord[];
  /** Per-metric median over the rounds; errors and non2xx are the sums over warm-up and rounds. */
  readonly median: RunRecord;
}

export interface MeasureOptions {
  readonly paths: readonly LoadPath[];
  readonly warmupSec: number;
  readonly rounds: number;
  readonly durationSec: number;
  /** Shown in the progress line, e.g. `rest-g1-p1 c=32`. */
  readonly label: string;
  readonly progress?: ProgressLine;
  /** Runs after the warm-ups, before the first round (e.g. a metrics scrape that must not count the warm-up). */
  readonly afterWarmup?: () => Promise<void>;
}

/**
 * The protocol of performance.md section 5: warm every path up once, then run `rounds` rounds in
 * which every path gets one window, rotating the order each round so that drift (thermal, other
 * tenants, GC state) does not always favour the same path. Returns one measurement per path, in order.
 */
export async function measure(options: MeasureOptions): Promise<PathMeasurement[]> {
  const { paths } = options;
  const warmups: (RunRecord | undefined)[] = [];
  for (const path of paths) {
    warmups.push(options.warmupSec > 0 ? await window(path, options.warmupSec, `${options.label} warm-up ${path.name}`, options.progress) : undefined);
  }
  await options.afterWarmup?.();
  const rounds: RunRecord[][] = paths.map(() => []);
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < paths.length; k++) {
      const i = (k + r) % paths.length;
      const path = paths[i] as LoadPath;
      const label = `${options.label} round ${r + 1}/${options.rounds} ${path.name}`;
      rounds[i]?.push(await window(path, options.durationSec, label, options.progress));
    }
  }
  return paths.map((path, i) => {
    const runs = rounds[i] ?? [];
    const warmup = warmups[i];
    return { name: path.name, warmup, rounds: runs, median: medianRecord(runs, warmup) };
  });
}

/** One window of one path, with the CPU and memory of its processes read around it. */
async function window(path: LoadPath, durationSec: number, label: string, progress: ProgressLine | undefined): Promise<RunRecord> {
  const stubPids = path.stubPids ?? [];
  const watch = new ProcessWatch(path.pid === undefined ? stubPids : [path.pid, ...stubPids]);
  const cpu0 = process.cpuUsage();
  const result = await path.run(durationSec, (done, elapsed) => {
    progress?.update(`${label}  ${elapsed.toFixed(1)}/${durationSec} s  ${Math.round(done / Math.max(elapsed, 1e-3)).toLocaleString('en-US')} req/s`);
  });
  const cpu = process.cpuUsage(cpu0);
  const windows = watch.stop();
  const main: ProcessWindow | undefined = path.pid === undefined ? undefined : windows[0];
  const stubs = path.pid === undefined ? windows : windows.slice(1);
  const n = Math.max(1, result.completed);
  const mb = (kb: number): number => Math.round(kb / 102.4) / 10;
  const record: RunRecord = {
    reqPerSec: result.reqPerSec,
    p50Us: result.latencyUs.p50,
    p90Us: result.latencyUs.p90,
    p99Us: result.latencyUs.p99,
    completed: result.completed,
    errors: result.errors,
    non2xx: result.non2xx,
    durationSec: result.durationSec,
    loadgenCpuUsPerReq: (cpu.user + cpu.system) / n,
    ...(main === undefined ? {} : { cpuUsPerReq: main.cpuUs / n, rssMb: mb(main.rssKb), rssMaxMb: mb(main.rssMaxKb), hwmMb: mb(main.hwmKb) }),
    ...(stubs.length === 0 ? {} : { stubCpuUsPerReq: stubs.reduce((s, w) => s + w.cpuUs, 0) / n }),
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
  };
  progress?.clear();
  return record;
}

/** The median of each metric independently (rounds are few, so one bad window cannot move it). */
function medianRecord(runs: readonly RunRecord[], warmup: RunRecord | undefined): RunRecord {
  const med = (get: (r: RunRecord) => number | undefined): number | undefined => median(runs.map(get).filter((v): v is number => v !== undefined));
  const all = warmup === undefined ? runs : [warmup, ...runs];
  const optional = (key: 'cpuUsPerReq' | 'stubCpuUsPerReq' | 'rssMb' | 'rssMaxMb'): Partial<RunRecord> => {
    const v = med((r) => r[key]);
    return v === undefined ? {} : { [key]: v };
  };
  const hwm = Math.max(...runs.map((r) => r.hwmMb ?? -1));
  const firstError = all.find((r) => r.firstError !== undefined)?.firstError;
  return {
    reqPerSec: med((r) => r.reqPerSec) ?? 0,
    p50Us: med((r) => r.p50Us) ?? 0,
    p90Us: med((r) => r.p90Us) ?? 0,
    p99Us: med((r) => r.p99Us) ?? 0,
    completed: runs.reduce((s, r) => s + r.completed, 0),
    errors: all.reduce((s, r) => s + r.errors, 0),
    non2xx: all.reduce((s, r) => s + r.non2xx, 0),
    durationSec: runs.reduce((s, r) => s + r.durationSec, 0),
    loadgenCpuUsPerReq: med((r) => r.loadgenCpuUsPerReq) ?? 0,
    ...optional('cpuUsPerReq'),
    ...optional('stubCpuUsPerReq'),
    ...optional('rssMb'),
    ...optional('rssMaxMb'),
    ...(hwm >= 0 ? { hwmMb: hwm } : {}),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
