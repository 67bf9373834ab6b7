/**
 * Builders for graph specs, scripts for child servers, and ways to start many graphs quickly, shared
 * by the integration tests. Nodes are plain PredictorSpec JSON, as the operator writes it.
 */
import { Pool } from 'undici';
import { restEndpoint, startChild, type ChildReply, type ChildScript, type ChildServer, type ReceivedCall } from './child-server';
import { startEngine, type EngineOptions, type RunningEngine } from './engine';

export const PREDICT = '/api/v1.0/predictions';
export const FEEDBACK = '/api/v1.0/feedback';

export interface GraphParameter {
  readonly name: string;
  readonly value: string;
  readonly type: string;
}

/** A PredictiveUnit as written in a PredictorSpec (fields the tests use). */
export interface GraphNode {
  readonly name: string;
  readonly type?: string;
  readonly implementation?: string;
  readonly methods?: readonly string[];
  readonly endpoint?: ReturnType<typeof restEndpoint>;
  readonly parameters?: readonly GraphParameter[];
  readonly children: readonly GraphNode[];
}

/** A node of `type` served by the child server on `port`. */
export function remote(type: string, name: string, port: number, children: readonly GraphNode[] = []): GraphNode {
  return { name, type, endpoint: restEndpoint(port), children };
}

export const model = (name: string, port: number, children: readonly GraphNode[] = []): GraphNode => remote('MODEL', name, port, children);
export const router = (name: string, port: number, children: readonly GraphNode[]): GraphNode => remote('ROUTER', name, port, children);
export const combiner = (name: string, port: number, children: readonly GraphNode[]): GraphNode => remote('COMBINER', name, port, children);
export const transformer = (name: string, port: number, children: readonly GraphNode[] = []): GraphNode => remote('TRANSFORMER', name, port, children);
export const outputTransformer = (name: string, port: number, children: readonly GraphNode[] = []): GraphNode =>
  remote('OUTPUT_TRANSFORMER', name, port, children);

/** A built-in node (no type, no endpoint), as the operator leaves it. */
export function builtin(name: string, implementation: string, children: readonly GraphNode[] = [], parameters?: readonly GraphParameter[]): GraphNode {
  return parameters === undefined ? { name, implementation, children } : { name, implementation, parameters, children };
}

/** The PredictorSpec the operator would pass in ENGINE_PREDICTOR. */
export function predictorSpec(graph: unknown, name = 'p'): { name: string; graph: unknown; componentSpecs: unknown[] } {
  return { name, graph, componentSpecs: [] };
}

/** The engine's own error body (respond.ts), for exact comparison. */
export function errorBody(code: number, info: string, reason: string): string {
  return JSON.stringify({ status: { code, info, reason, status: 'FAILURE' } });
}

/**
 * A child that appends `|<name><path>` to the `strData` of the message it receives and answers it,
 * so the final answer spells out the exact path the request took.
 */
export function tagger(name: string): ChildScript {
  return (call: ReceivedCall): ChildReply => {
    const input = JSON.parse(call.text) as { strData?: unknown };
    return { json: { strData: `${typeof input.strData === 'string' ? input.strData : '?'}|${name}${call.path}` } };
  };
}

/** A child whose answer the test sets (and changes) between requests. */
export interface ScriptedChild {
  readonly server: ChildServer;
  reply: ChildReply | ChildScript;
}

export async function scriptedChild(initial: ChildReply | ChildScript): Promise<ScriptedChild> {
  const holder: { reply: ChildReply | ChildScript; server?: ChildServer } = { reply: initial };
  const server = await startChild((call) => (typeof holder.reply === 'function' ? holder.reply(call) : holder.reply));
  return Object.assign(holder, { server });
}

/** Raw JSON bytes a child answers as application/json (exact whitespace and key order kept). */
export function rawJson(text: string): ChildReply {
  return { body: text, headers: { 'content-type': 'application/json' } };
}

/** Forgets every call the servers recorded. */
export function resetCalls(...servers: readonly ChildServer[]): void {
  for (const s of servers) {
    s.calls.length = 0;
    s.aborted.length = 0;
  }
}

/** `${path}` of every call a server received, in order. */
export function paths(server: ChildServer): string[] {
  return server.calls.map((c) => c.path);
}

/** Runs fn(0..count-1) with at most `limit` in flight; resolves with the results in index order. */
export async function withConcurrency<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** Closes every server, ignoring ones already closed. */
export async function closeAll(servers: readonly (ChildServer | undefined)[]): Promise<void> {
  await Promise.all(servers.map((s) => s?.close().catch(() => undefined)));
}

/**
 * A queue that runs at most `limit` tasks at once (process starts are CPU-bound: starting them all
 * together only makes each slower). Each call returns the task's own promise, already marked handled,
 * so a failure is reported by the test that awaits it rather than as an unhandled rejection.
 */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const next = (): void => {
    if (active >= limit) return;
    const start = waiting.shift();
    if (start !== undefined) start();
  };
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
    result.catch(() => undefined);
    return result;
  };
}

/** Something a test file builds ahead of time (child servers and an engine), and closes once. */
export interface Prepared<T> {
  /** What the builder built; rejects when it failed. */
  get(): Promise<T>;
  /** Closes everything the builder registered, last registered first (engine before its children). */
  close(): Promise<void>;
}

/** Registers a closer for something just started. */
export type OnClose = (close: () => Promise<unknown>) => void;

/**
 * Builds every graph of a test file ahead of its tests, `limit` at a time, so engine starts overlap
 * with each other and with the tests that already have their graph. Each suite awaits its own with
 * `get()` and closes it in `after`; `closeAll()` is the file's safety net.
 */
export function preparer(limit: number): { prepare<T>(build: (onClose: OnClose) => Promise<T>): Prepared<T>; closeAll(): Promise<void> } {
  const queue = limiter(limit);
  const all: Prepared<unknown>[] = [];
  return {
    prepare<T>(build: (onClose: OnClose) => Promise<T>): Prepared<T> {
      const closers: (() => Promise<unknown>)[] = [];
      const built = queue(() => build((close) => closers.push(close)));
      let closing: Promise<void> | undefined;
      const prepared: Prepared<T> = {
        get: () => built,
        close: () => {
          closing ??= built
            .catch(() => undefined)
            .then(() => Promise.allSettled(closers.reverse().map((close) => close())))
            .then(() => undefined);
          return closing;
        },
      };
      all.push(prepared);
      return prepared;
    },
    closeAll: async () => {
      await Promise.all(all.map((p) => p.close()));
    },
  };
}

/** startChild, closed with the rest of a prepared graph. */
export async function childFor(onClose: OnClose, script: ChildScript): Promise<ChildServer> {
  const server = await startChild(script);
  onClose(() => server.close());
  return server;
}

/** scriptedChild, closed with the rest of a prepared graph. */
export async function scriptedFor(onClose: OnClose, initial: ChildReply | ChildScript): Promise<ScriptedChild> {
  const child = await scriptedChild(initial);
  onClose(() => child.server.close());
  return child;
}

/** startEngine, stopped (before its children are closed) with the rest of a prepared graph. */
export async function engineFor(onClose: OnClose, options: EngineOptions): Promise<RunningEngine> {
  const engine = await startEngine(options);
  onClose(() => engine.stop());
  return engine;
}

/**
 * A lean keep-alive client for many requests to one engine (undici's request API costs far less
 * CPU than fetch, which matters when the test process also hosts the child servers).
 */
export function bulkClient(origin: string, connections: number): { post(path: string, body: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; text: string }>; close(): Promise<void> } {
  const pool = new Pool(origin, { connections });
  return {
    post: async (path, body, headers) => {
      const res = await pool.request({ method: 'POST', path, body, headers });
      return { status: res.statusCode, text: await res.body.text() };
    },
    close: () => pool.close(),
  };
}
