import { readFileSync } from 'node:fs';

/**
 * Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on every Linux build we
 * run on). One tick is 10 ms of CPU, so windows need thousands of requests for a stable µs/request.
 */
export const CLK_TCK = 100;

/** utime + stime of a process, in microseconds (fields 14 and 15 of /proc/<pid>/stat). */
export function readCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc/${pid}/stat`);
  return (ticks * 1e6) / CLK_TCK;
}

export interface MemoryKb {
  /** Resident set size now. */
  readonly rssKb: number;
  /** Peak resident set size since the process started. */
  readonly hwmKb: number;
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status, in KiB. */
export function readMemoryKb(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** CPU and memory of one process over one measured window. */
export interface ProcessWindow {
  readonly pid: number;
  readonly cpuUs: number;
  /** VmRSS at the end of the window. */
  readonly rssKb: number;
  /** Largest VmRSS sampled during the window (every 200 ms). */
  readonly rssMaxKb: number;
  /** VmHWM at the end of the window (peak since start, includes earlier windows). */
  readonly hwmKb: number;
}

/**
 * Watches processes over a window: CPU read once before and once after (so the sampling itself is
 * not counted), RSS sampled on a timer in between.
 */
export class ProcessWatch {
  readonly #pids: readonly number[];
  readonly #cpuStart: number[];
  readonly #rssMax: number[];
  readonly #timer: NodeJS.Timeout;

  constructor(pids: readonly number[]) {
    this.#pids = pids;
    this.#rssMax = pids.map((pid) => readMemoryKb(pid).rssKb);
    this.#cpuStart = pids.map((pid) => readCpuUs(pid));
    this.#timer = setInterval(() => this.#sample(), 200);
    this.#timer.unref();
  }

  #sample(): void {
    this.#pids.forEach((pid, i) => {
      this.#rssMax[i] = Math.max(this.#rssMax[i] ?? 0, readMemoryKb(pid).rssKb);
    });
  }

  /** Ends the window; one entry per pid, in the order given. */
  stop(): ProcessWindow[] {
    clearInterval(this.#timer);
    const cpuEnd = this.#pids.map((pid) => readCpuUs(pid));
    return this.#pids.map((pid, i) => {
      const mem = readMemoryKb(pid);
      return {
        pid,
        cpuUs: (cpuEnd[i] ?? 0) - (this.#cpuStart[i] ?? 0),
        rssKb: mem.rssKb,
        rssMaxKb: Math.max(this.#rssMax[i] ?? 0, mem.rssKb),
        hwmKb: mem.hwmKb,
      };
    });
  }
}
