/**
 * `npm run bench`: the benchmark matrix of performance.md section 5. Starts stub model servers, the
 * bare hop and the engine as separate processes, measures direct / bare hop / engine paths
 * alternately after a warm-up, prints the tables with the target checks and writes
 * bench/results/latest.json. See bench/README.md.
 *
 *   node dist/bench/run.js [--scenario <name>] [--quick] [--list] [--strict]
 *   knobs (env, seconds): WARMUP=3 ROUNDS=3 DURATION=3
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CLK_TCK, killAllChildren, machineInfo, ProgressLine, totalErrors, type CaseResult } from '../src/bench';
import { Fixtures } from './fixtures';
import { formatReport, writeReport, type RunReport } from './output';
import { runScenario, type Protocol } from './run-scenario';
import { SCENARIOS, type Scenario } from './scenarios';
import { checkTargets } from './targets';

const USAGE = `usage: node dist/bench/run.js [--scenario <name>] [--quick] [--list] [--strict]
  --scenario <name>  run one scenario (all its modes), or several: a,b; see --list
  --quick            smoke run (CI): default matrix, one mode each (<= 4 connections), 0.2 s warm-up, 1 x 1.5 s
  --list             print the scenarios and exit
  --strict           exit 1 when a target fails (default: only when a request fails)
env: WARMUP, ROUNDS, DURATION (seconds per measured window) override the protocol (default 3, 3, 3)
`;

// Few enough that a 1 MB combiner request (~70 ms of CPU) still completes within a window on a busy machine.
const QUICK_MAX_CONNECTIONS = 4;

function envNumber(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
  return n;
}

/** The engine's source revision: HEAD and whether the tree had local changes (unknown outside git). */
function sourceRevision(): { commit: string; dirty: boolean | undefined } {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', ':(top)src') !== '' };
  } catch {
    return { commit: 'unknown', dirty: undefined };
  }
}

/** The default matrix, or the scenarios named (comma-separated), in the order given. */
function selectScenarios(names: string | undefined): Scenario[] {
  if (names === undefined) return SCENARIOS.filter((s) => s.inDefault);
  return names.split(',').map((raw) => {
    const name = raw.trim();
    const found = SCENARIOS.find((s) => s.name === name);
    if (found === undefined) throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return found;
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { scenario: { type: 'string' }, quick: { type: 'boolean', default: false }, list: { type: 'boolean', default: false }, strict: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(20)}${s.inDefault ? 'default ' : 'extra   '}${s.description}\n`);
    return 0;
  }
  const quick = values.quick;
  const protocol: Protocol = quick
    ? { warmupSec: 0.2, rounds: 1, durationSec: 1.5 }
    : { warmupSec: envNumber('WARMUP', 3), rounds: Math.max(1, Math.round(envNumber('ROUNDS', 3))), durationSec: Math.max(0.1, envNumber('DURATION', 3)) };
  const scenarios = selectScenarios(values.scenario);
  const machine = machineInfo();
  const startedAt = new Date();
  const progress = new ProgressLine(process.stderr);
  if (machine.loadAvg1AtStart > 0.3 && !quick) progress.log(`note: load average ${machine.loadAvg1AtStart} at start; other work is competing for the CPUs`);
  const fx = new Fixtures();
  const cases: CaseResult[] = [];
  const failures: { scenario: string; error: string }[] = [];
  try {
    for (const s of scenarios) {
      // A smoke run only needs every graph and path to work: one mode, at most 8 connections so that
      // even the 1 MB combiner completes requests within its short window on a busy CI machine.
      const modes = quick ? s.modes.slice(-1).map((m) => ({ ...m, connections: Math.min(m.connections, QUICK_MAX_CONNECTIONS) })) : s.modes;
      // One broken scenario must not cost an unattended run the others: record it and go on.
      try {
        cases.push(...await runScenario(s, modes, fx, protocol, progress));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        failures.push({ scenario: s.name, error });
        progress.log(`${s.name}: FAILED: ${error}`);
      }
    }
  } finally {
    await fx.close();
  }
  const report: RunReport = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    elapsedSec: (Date.now() - startedAt.getTime()) / 1000,
    machine,
    source: sourceRevision(),
    config: {
      scenarios: scenarios.map((s) => s.name), quick, ...protocol,
      loadGenerators: 'REST: autocannon 8 (in-process, from code); gRPC: grpc-js closed-loop driver (identity serializers)',
      cpuClockTicksPerSec: CLK_TCK,
    },
    cases,
    failures,
    targets: checkTargets(cases),
    errors: totalErrors(cases),
  };
  process.stdout.write(formatReport(report));
  const files = writeReport(report);
  process.stdout.write(`results: ${files.join(', ')}\n`);
  // Failed requests or stalled paths make the run invalid; missed targets are the numbers' business.
  const invalid = failures.length > 0 || report.targets.some((t) => (t.id === 'errors' || t.id === 'no-stall') && t.pass === false);
  if (invalid) return 1;
  const failed = report.targets.filter((t) => t.pass === false);
  return values.strict && failed.length > 0 ? 1 : 0;
}

// Children (engine, stubs, bare hops) must not outlive an interrupted run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main().then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  killAllChildren();
  process.exitCode = 1;
});
