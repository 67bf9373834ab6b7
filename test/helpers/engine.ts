import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built engine entry point (tests run from dist/test/...). */
export const ENGINE_MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface EngineOptions {
  /** A PredictorSpec object, passed as ENGINE_PREDICTOR (base64 JSON) unless `file` or `--demo` is used. */
  readonly spec?: unknown;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Contents of an annotations file (`key="value"` lines), written to a temp file and passed. */
  readonly annotations?: string;
}

export interface RunningEngine {
  readonly port: number;
  /** The gRPC listener's port. */
  readonly grpcPort: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Every stdout/stderr line so far. */
  readonly output: string[];
  /** POST a body (string or object, sent as JSON) to a path; returns status, headers and text. */
  post(path: string, body: unknown, headers?: Readonly<Record<string, string>>): Promise<EngineReply>;
  get(path: string, headers?: Readonly<Record<string, string>>): Promise<EngineReply>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface EngineReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** `text` parsed as JSON (throws when it is not JSON). */
  json(): unknown;
}

function baseEnv(options: EngineOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...options.env };
  if (options.spec !== undefined) env.ENGINE_PREDICTOR = Buffer.from(JSON.stringify(options.spec)).toString('base64');
  return env;
}

async function annotationArgs(options: EngineOptions): Promise<string[]> {
  if (options.annotations === undefined) return ['--annotations_file=/nonexistent/infergraph-test-annotations'];
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'infergraph-'));
  const file = join(dir, 'annotations');
  await writeFile(file, options.annotations);
  return [`--annotations_file=${file}`];
}

/** Starts the real engine on port 0 and waits until it logs the port it listens on. */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const args = [ENGINE_MAIN, '--http_port=0', '--grpc_port=0', ...(await annotationArgs(options)), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: baseEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let grpcPort = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave an engine behind: the test file would not exit
      reject(new Error(`engine did not start in 10 s:\n${output.join('\n')}`));
    }, 10_000);
    const onLine = (line: string): void => {
      output.push(line);
      const m = /"msg":"REST server listening".*"port":(\d+)/.exec(line) ?? /"port":(\d+).*"msg":"REST server listening"/.exec(line);
      if (m?.[1] !== undefined) {
        grpcPort = Number(/"grpc_port":(\d+)/.exec(line)?.[1] ?? 0);
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    lines(child.stdout, onLine);
    lines(child.stderr, onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const send = async (method: string, path: string, body: unknown, headers?: Readonly<Record<string, string>>): Promise<EngineReply> => {
    const init: RequestInit = { method, headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers } };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(url + path, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
  };
  return {
    port,
    grpcPort,
    url,
    process: child,
    output,
    post: (path, body, headers) => send('POST', path, body, headers),
    get: (path, headers) => send('GET', path, undefined, headers),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the engine expecting it to exit (bad config or graph); resolves with code and output. */
export async function runEngineToExit(options: EngineOptions, timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [ENGINE_MAIN, '--http_port=0', '--grpc_port=0', ...(await annotationArgs(options)), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: baseEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) !== -1) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
}
