/**
 * Where a request's time goes inside the engine, from the engine's own metrics: the server latency
 * (`seldon_api_executor_server_requests_seconds`) and the engine's own share of it
 * (`infergraph_engine_overhead_seconds`: total minus the time waiting on child servers). Two scrapes
 * around the measured windows give the means over exactly the requests they served.
 */

/** The cumulative sums and counts of one service's series at one scrape. */
export interface EngineTimeSample {
  readonly requests: number;
  readonly totalSeconds: number;
  readonly ownRequests: number;
  readonly ownSeconds: number;
}

/** Means per request between two scrapes. */
export interface EngineTime {
  /** Requests the engine served between the scrapes (all status codes). */
  readonly requests: number;
  /** Mean time from the request's arrival to its answer, in µs. */
  readonly meanUs: number;
  /** Mean time the engine itself spent (the rest was waiting on children), in µs. */
  readonly ownUs: number;
}

const SERVER = 'seldon_api_executor_server_requests_seconds';
const OVERHEAD = 'infergraph_engine_overhead_seconds';

/**
 * Reads the sums and counts of `service` (`predictions` for REST, the gRPC method path for gRPC)
 * from Prometheus text, summed over every label set (methods, status codes).
 */
export function parseEngineTime(text: string, service: string): EngineTimeSample {
  const label = `service="${service}"`;
  let requests = 0;
  let totalSeconds = 0;
  let ownRequests = 0;
  let ownSeconds = 0;
  for (const line of text.split('\n')) {
    const brace = line.indexOf('{');
    if (brace === -1) continue;
    const close = line.indexOf('}', brace);
    if (close === -1 || !line.slice(brace, close).includes(label)) continue;
    const value = Number(line.slice(close + 1).trim());
    if (!Number.isFinite(value)) continue;
    const name = line.slice(0, brace);
    if (name === `${SERVER}_count`) requests += value;
    else if (name === `${SERVER}_sum`) totalSeconds += value;
    else if (name === `${OVERHEAD}_count`) ownRequests += value;
    else if (name === `${OVERHEAD}_sum`) ownSeconds += value;
  }
  return { requests, totalSeconds, ownRequests, ownSeconds };
}

/** The means between two samples; undefined when no request was recorded in between. */
export function engineTimeBetween(before: EngineTimeSample, after: EngineTimeSample): EngineTime | undefined {
  const requests = after.requests - before.requests;
  const ownRequests = after.ownRequests - before.ownRequests;
  if (requests <= 0 || ownRequests <= 0) return undefined;
  return {
    requests,
    meanUs: ((after.totalSeconds - before.totalSeconds) / requests) * 1e6,
    ownUs: ((after.ownSeconds - before.ownSeconds) / ownRequests) * 1e6,
  };
}

/** Scrapes `url` (the engine's metrics endpoint) and reads `service`'s sample; rejects naming the URL and the cause. */
export async function scrapeEngineTime(url: string, service: string): Promise<EngineTimeSample> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    // fetch's own message is "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const cause = (err as Error).cause;
    throw new Error(`cannot read ${url}: ${cause instanceof Error ? cause.message : (err as Error).message}`);
  }
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return parseEngineTime(await res.text(), service);
}

/** One line for the report, e.g. `engine time per request: 412 µs, of which its own 61 µs (15 %) ...`. */
export function formatEngineTime(t: EngineTime): string {
  const share = t.meanUs > 0 ? Math.round((t.ownUs / t.meanUs) * 100) : 0;
  return `time in the engine per request, from its handler to its answer (its metrics, ${t.requests.toLocaleString('en-US')} requests in the measured windows): `
    + `${Math.round(t.meanUs).toLocaleString('en-US')} µs, of which its own ${Math.round(t.ownUs).toLocaleString('en-US')} µs (${share} %); `
    + 'the rest is waiting on child servers';
}
