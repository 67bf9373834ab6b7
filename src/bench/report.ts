import type { PathMeasurement, RunRecord } from './measure';
import { formatTable, type Cell, type Column } from './table';

/** One measured case: a graph, payload, transport and concurrency, with one measurement per path. */
export interface CaseResult {
  /** e.g. `rest-g1-p1@c32`. */
  readonly id: string;
  readonly transport: 'rest' | 'grpc';
  readonly connections: number;
  /** The engine's VmRSS after start-up, before load (MiB). */
  readonly idleRssMb?: number;
  readonly paths: readonly PathMeasurement[];
}

/** The median record of a path of a case, if the case measured it. */
export function pathMedian(c: CaseResult, name: string): RunRecord | undefined {
  return c.paths.find((p) => p.name === name)?.median;
}

const RESULT_COLUMNS: readonly Column[] = [
  { title: 'case', align: 'left' },
  { title: 'path', align: 'left' },
  { title: 'req/s' },
  { title: 'p50 µs' },
  { title: 'p90 µs' },
  { title: 'p99 µs' },
  { title: 'err' },
  { title: 'CPU µs/req' },
  { title: 'stub µs/req' },
  { title: 'RSS MB', digits: 1 },
  { title: 'HWM MB', digits: 1 },
  { title: 'idle MB', digits: 1 },
  { title: 'x direct', digits: 2 },
];

/**
 * One row per case and path with the medians: throughput, latency, errors (errors + non-2xx over
 * warm-up and rounds), CPU per request of the engine or bare hop and of the stubs, memory, and the
 * req/s ratio to the direct path of the same case.
 */
export function formatResultsTable(cases: readonly CaseResult[]): string {
  const rows: Cell[][] = [];
  for (const c of cases) {
    const direct = pathMedian(c, 'direct');
    for (const p of c.paths) {
      const m = p.median;
      rows.push([
        c.id, p.name, m.reqPerSec, m.p50Us, m.p90Us, m.p99Us, m.errors + m.non2xx, m.cpuUsPerReq, m.stubCpuUsPerReq,
        m.rssMb, m.hwmMb, p.name === 'engine' ? c.idleRssMb : undefined,
        direct === undefined || p.name === 'direct' ? undefined : m.reqPerSec / direct.reqPerSec,
      ]);
    }
  }
  return formatTable(RESULT_COLUMNS, rows);
}

const VS_BARE_COLUMNS: readonly Column[] = [
  { title: 'case', align: 'left' },
  { title: 'engine CPU' },
  { title: 'bare CPU' },
  { title: 'CPU ratio', digits: 2 },
  { title: 'engine req/s' },
  { title: 'bare req/s' },
  { title: 'req/s ratio', digits: 2 },
  { title: 'engine +p50 µs' },
  { title: 'bare +p50 µs' },
];

/**
 * The engine against the bare hop, for every case that measured both: CPU µs/request and req/s
 * with their ratios, and the p50 each adds over the direct path (meaningful at 1 connection).
 */
export function formatVsBareTable(cases: readonly CaseResult[]): string {
  const rows: Cell[][] = [];
  for (const c of cases) {
    const engine = pathMedian(c, 'engine');
    const bare = pathMedian(c, 'bare');
    if (engine === undefined || bare === undefined) continue;
    const direct = pathMedian(c, 'direct');
    rows.push([
      c.id, engine.cpuUsPerReq, bare.cpuUsPerReq, ratio(engine.cpuUsPerReq, bare.cpuUsPerReq),
      engine.reqPerSec, bare.reqPerSec, ratio(engine.reqPerSec, bare.reqPerSec),
      direct === undefined ? undefined : engine.p50Us - direct.p50Us,
      direct === undefined ? undefined : bare.p50Us - direct.p50Us,
    ]);
  }
  return rows.length === 0 ? '' : formatTable(VS_BARE_COLUMNS, rows);
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** Sum of errors and non-2xx over every path of every case. */
export function totalErrors(cases: readonly CaseResult[]): number {
  return cases.reduce((s, c) => s + c.paths.reduce((t, p) => t + p.median.errors + p.median.non2xx, 0), 0);
}

/** `case/path` of every path that completed no request in some window: its numbers mean nothing. */
export function stalledPaths(cases: readonly CaseResult[]): string[] {
  return cases.flatMap((c) => c.paths.filter((p) => p.rounds.some((r) => r.completed === 0)).map((p) => `${c.id}/${p.name}`));
}
