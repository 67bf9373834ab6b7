import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

/** The machine a result was measured on, written with every result file. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly totalMemMb: number;
  /** 1-minute load average when the run started: > 0.3 means other work was competing. */
  readonly loadAvg1AtStart: number;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: keep os.cpus()' model.
  }
  return {
    cpuModel,
    cores: cpus().length,
    node: process.version,
    os: `${osType()} ${release()}`,
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    loadAvg1AtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
