import autocannon from 'autocannon';
import { LatencyRecorder, type LoadProgress, type LoadResult } from './load-result';

/** One REST load window: a closed loop of `connections` keep-alive connections posting `body`. */
export interface RestLoadOptions {
  readonly url: string;
  readonly body: Buffer;
  readonly connections: number;
  readonly durationSec: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Upper bound on requests, whatever the duration (default: 200k per second of duration). */
  readonly maxRequests?: number;
  /** Per-request timeout in seconds (default 10). */
  readonly timeoutSec?: number;
  readonly onProgress?: LoadProgress;
}

/** Requests per second no 2-core loopback run comes near; only a safety bound. */
const MAX_REQ_PER_SEC = 200_000;

/**
 * Drives autocannon from code for one window and returns our own numbers: latencies from its
 * per-response event (sub-millisecond resolution), counts and duration measured here.
 */
export async function runRestLoad(options: RestLoadOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  const maxRequests = Math.max(options.connections, options.maxRequests ?? Math.ceil(options.durationSec * MAX_REQ_PER_SEC));
  let completed = 0;
  let non2xx = 0;
  let firstError: string | undefined;
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    body: options.body,
    headers: { 'content-type': 'application/json', ...options.headers },
    connections: options.connections,
    duration: options.durationSec,
    // autocannon only notices the end of `duration` on a sample tick: tick often so windows end on time.
    sampleInt: 50,
    timeout: options.timeoutSec ?? 10,
    maxOverallRequests: maxRequests,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    completed++;
    if (statusCode < 200 || statusCode > 299) {
      non2xx++;
      firstError ??= `HTTP ${statusCode}`;
    }
    recorder.recordMs(responseTime);
  });
  instance.on('reqError', (err) => {
    firstError ??= err.message;
  });
  const progress = options.onProgress;
  const ticker = progress === undefined ? undefined : setInterval(() => progress(completed, elapsedSec(started)), 250);
  try {
    const result = await instance;
    const durationSec = elapsedSec(started);
    return {
      completed,
      errors: result.errors + result.timeouts,
      non2xx: Math.max(non2xx, result.non2xx),
      durationSec,
      reqPerSec: completed / durationSec,
      latencyUs: recorder.summary(),
      ...(firstError === undefined ? {} : { firstError }),
    };
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
  }
}

function elapsedSec(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
