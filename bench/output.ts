import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatResultsTable, formatTable, formatVsBareTable, type CaseResult, type MachineInfo } from '../src/bench';
import type { TargetCheck } from './targets';

/** bench/results in the source tree (this file runs as dist/bench/output.js). */
export const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');

/** Everything one run produced, as written to the JSON file. */
export interface RunReport {
  readonly schema: 1;
  readonly startedAt: string;
  readonly elapsedSec: number;
  readonly machine: MachineInfo;
  /** git HEAD of the engine's source and whether src/ had uncommitted changes. */
  readonly source: { readonly commit: string; readonly dirty: boolean | undefined };
  readonly config: {
    readonly scenarios: readonly string[];
    readonly quick: boolean;
    readonly warmupSec: number;
    readonly rounds: number;
    readonly durationSec: number;
    readonly loadGenerators: string;
    readonly cpuClockTicksPerSec: number;
  };
  readonly cases: readonly CaseResult[];
  /** Scenarios that could not run (engine did not start, probe failed...), with the reason. */
  readonly failures: readonly { readonly scenario: string; readonly error: string }[];
  readonly targets: readonly TargetCheck[];
  readonly errors: number;
}

/** The three tables: per case and path, engine vs bare hop, and the targets with PASS/FAIL. */
export function formatReport(report: RunReport): string {
  const m = report.machine;
  const c = report.config;
  const header = `infergraph bench: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ${m.os}; load avg at start ${m.loadAvg1AtStart}\n`
    + `source: ${report.source.commit.slice(0, 12)}${report.source.dirty === true ? ' + local changes in src/' : ''}\n`
    + `protocol: warm-up ${c.warmupSec} s, ${c.rounds} round(s) x ${c.durationSec} s per path, medians; ${c.loadGenerators}\n`;
  const vsBare = formatVsBareTable(report.cases);
  return [
    header,
    formatResultsTable(report.cases),
    vsBare === '' ? '' : `\nengine vs bare hop (same run):\n${vsBare}`,
    `\ntargets:\n${formatTargets(report.targets)}`,
    ...report.failures.map((f) => `\nscenario ${f.scenario} FAILED: ${f.error.split('\n')[0] ?? ''}`),
    `\n${report.errors} errors, ${report.failures.length} failed scenarios; ${report.elapsedSec.toFixed(0)} s in total\n`,
  ].join('');
}

function formatTargets(targets: readonly TargetCheck[]): string {
  const rows = targets.map((t) => [
    t.id,
    t.value === undefined ? undefined : t.value.toFixed(t.unit === 'x' ? 2 : 1),
    t.limit === undefined ? 'n/a' : `${t.op} ${t.limit.toFixed(t.unit === 'x' ? 2 : t.unit === 'µs' && !Number.isInteger(t.limit) ? 1 : 0)}`,
    t.unit,
    t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'FAIL',
    t.detail,
  ]);
  return formatTable([
    { title: 'target', align: 'left' }, { title: 'value' }, { title: 'limit', align: 'left' }, { title: 'unit', align: 'left' },
    { title: 'result', align: 'left' }, { title: 'detail', align: 'left' },
  ], rows);
}

/**
 * Writes the report as `latest.json` plus a timestamped copy (a --quick smoke writes `quick.json`
 * only, so it never replaces a real run). Returns the paths written.
 */
export function writeReport(report: RunReport): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const files = report.config.quick
    ? [join(RESULTS_DIR, 'quick.json')]
    : [join(RESULTS_DIR, 'latest.json'), join(RESULTS_DIR, `${report.startedAt.replace(/[:.]/g, '-')}.json`)];
  for (const f of files) writeFileSync(f, text);
  return files;
}
