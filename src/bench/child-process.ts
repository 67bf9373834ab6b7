import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A Node process started by the benchmark, killed when the benchmark ends whatever happens. */
export interface BenchChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** The output line that announced readiness, matched by `readyPattern`. */
  readonly readyMatch: RegExpExecArray;
  /** The last lines of stdout and stderr (bounded), for error messages. */
  readonly tail: () => string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Script and arguments, run with this Node binary. */
  readonly args: readonly string[];
  /** A pattern an output line matches once the process is ready. */
  readonly readyPattern: RegExp;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly name: string;
}

const TAIL_LINES = 40;
/** Every child still running: killed synchronously if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Starts `node <args>` with piped output (always drained: a full pipe would block the child and
 * distort its numbers) and resolves once a line matches `readyPattern`.
 */
export function startNodeProcess(options: StartOptions): Promise<BenchChild> {
  installExitHook();
  const child = spawn(process.execPath, [...options.args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child);
    resolve();
  }));
  const tail = (): string => lines.join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<BenchChild>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 15_000} ms:\n${tail()}`));
    }, options.timeoutMs ?? 15_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (ready) return;
      const match = options.readyPattern.exec(line);
      if (match === null || child.pid === undefined) return;
      ready = true;
      clearTimeout(timer);
      resolve({ pid: child.pid, process: child, readyMatch: match, tail, stop });
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
    void exited.then(() => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (code ${child.exitCode}) before it was ready:\n${tail()}`));
    });
  });
}

/** Kills every child still running (SIGKILL), e.g. from a signal handler that is about to exit. */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}
