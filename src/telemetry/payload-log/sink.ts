import type { Pool } from 'undici';

/**
 * undici's Pool, loaded at the first POST: `require('undici')` loads its whole index (fetch,
 * WebSocket, cache, mocks...), ~7 MB of RSS that an engine without payload logging should not carry
 * (measured: idle VmRSS -6.8 MB with neither this file nor src/upstream/http.ts loading the index).
 */
let PoolClass: typeof Pool | undefined;
function loadPool(): typeof Pool {
  PoolClass ??= (require('undici') as typeof import('undici')).Pool;
  return PoolClass;
}

/** A sink URL split for undici: the pool is per origin, the request carries the path. */
export interface SinkTarget {
  readonly url: string;
  readonly origin: string;
  /** Path and query string, `/` at least. */
  readonly path: string;
}

/** Why a URL cannot be used (logged, and the event is dropped as `bad_url`). */
export interface BadSink {
  readonly error: string;
}

/** The result of one POST. `retryable` is a 5xx, a connection error or a timeout (status 0: no answer). */
export type PostOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'retryable'; readonly status: number; readonly detail: string }
  | { readonly kind: 'aborted' };

/** Limits of the sink client. */
export interface SinkClientOptions {
  /** Distinct sink origins (scheme://host:port) allowed; further ones are refused, so pools stay bounded. */
  readonly maxOrigins: number;
  /** Whole-POST deadline: connect, headers and body. */
  readonly sendTimeoutMs: number;
  /** Sockets per origin; the worker count, since no more POSTs than that run at once. */
  readonly connections: number;
}

// Distinct URL strings remembered; they come from the graph spec, so a handful in practice.
const MAX_CACHED_URLS = 256;
const SHUTDOWN = Symbol('payload-log shutdown');
const DUMP_LIMIT = 64 * 1024;

/**
 * POSTs events to sinks over one keep-alive undici Pool per origin, created lazily. Each POST has
 * its own deadline, so a sink that accepts and never answers (a black hole) holds a worker for at
 * most `sendTimeoutMs`; `abortAll` ends every POST at once for the shutdown deadline.
 */
export class SinkClient {
  readonly #options: SinkClientOptions;
  readonly #targets = new Map<string, SinkTarget | BadSink>();
  readonly #pools = new Map<string, Pool | undefined>();
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(options: SinkClientOptions) {
    this.#options = options;
  }

  /** Parses (and remembers) a sink URL; cheap after the first call for a URL. */
  resolve(url: string): SinkTarget | BadSink {
    const cached = this.#targets.get(url);
    if (cached !== undefined) return cached;
    const result = this.#parse(url);
    if (this.#targets.size < MAX_CACHED_URLS) this.#targets.set(url, result);
    return result;
  }

  #parse(url: string): SinkTarget | BadSink {
    if (url.trim() === '') return { error: 'no sink URL (node logger.url and REQUEST_LOGGER_DEFAULT_ENDPOINT are both empty)' };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { error: `sink URL "${url.slice(0, 200)}" cannot be parsed` };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: `sink URL "${url.slice(0, 200)}" is not http or https` };
    const origin = parsed.origin;
    if (!this.#pools.has(origin)) {
      if (this.#pools.size >= this.#options.maxOrigins) return { error: `more than ${this.#options.maxOrigins} sink origins; "${origin}" refused` };
      this.#pools.set(origin, undefined);
    }
    return { url, origin, path: `${parsed.pathname}${parsed.search}` || '/' };
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const timeout = this.#options.sendTimeoutMs;
      const PoolCtor = loadPool();
      pool = new PoolCtor(origin, {
        connections: this.#options.connections,
        connect: { timeout },
        // Our own deadline covers the whole POST; these are backstops in case the abort is missed.
        headersTimeout: timeout,
        bodyTimeout: timeout,
        keepAliveTimeout: 30_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** One POST; never rejects. */
  async post(target: SinkTarget, headers: Record<string, string>, body: Buffer): Promise<PostOutcome> {
    if (this.#closed) return { kind: 'aborted' };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${this.#options.sendTimeoutMs} ms`)), this.#options.sendTimeoutMs);
    this.#inFlight.add(ac);
    try {
      const res = await this.#pool(target.origin).request({ method: 'POST', path: target.path, headers, body, signal: ac.signal });
      // The answer's body is not needed, but must be consumed to free the connection for keep-alive.
      await res.body.dump({ limit: DUMP_LIMIT, signal: ac.signal }).catch(() => undefined);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      if (status >= 500) return { kind: 'retryable', status, detail: `HTTP ${status}` };
      return { kind: 'rejected', status };
    } catch (err) {
      if (ac.signal.reason === SHUTDOWN) return { kind: 'aborted' };
      return { kind: 'retryable', status: 0, detail: describe(err, ac.signal) };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(ac);
    }
  }

  /** Ends every POST in flight; each resolves as `aborted`. */
  abortAll(): void {
    for (const ac of this.#inFlight) ac.abort(SHUTDOWN);
  }

  /** Aborts what is in flight and destroys the pools (sockets closed now, not after keep-alive). */
  async close(): Promise<void> {
    this.#closed = true;
    this.abortAll();
    const pools = [...this.#pools.values()].filter((p): p is Pool => p !== undefined);
    this.#pools.clear();
    this.#targets.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** A short reason for a failed POST, with the socket error code when undici gives one. */
function describe(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const r: unknown = signal.reason;
    return r instanceof Error ? r.message : 'aborted';
  }
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}
