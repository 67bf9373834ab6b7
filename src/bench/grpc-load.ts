import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { LatencyRecorder, type LoadProgress, type LoadResult } from './load-result';

/** One gRPC load window: `concurrency` calls always in flight, spread over `channels` connections. */
export interface GrpcLoadOptions {
  /** `host:port`. */
  readonly target: string;
  /** Full method path, e.g. `/seldon.protos.Seldon/Predict`. */
  readonly method: string;
  /** The request, already protobuf-encoded: no serialisation cost in the driver. */
  readonly message: Buffer;
  readonly concurrency: number;
  readonly durationSec: number;
  /** HTTP/2 connections (default: min(concurrency, 4), as h2load -c 4 -m 16 in performance.md section 5). */
  readonly channels?: number;
  /** Upper bound on calls, whatever the duration (default: 200k per second of duration). */
  readonly maxRequests?: number;
  /** Per-call deadline in ms (default 10 s). */
  readonly deadlineMs?: number;
  /** How long to wait for the connections before giving up, in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
  readonly onProgress?: LoadProgress;
}

const identity = (b: Buffer): Buffer => b;
const MAX_REQ_PER_SEC = 200_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A closed-loop grpc-js driver (autocannon speaks only HTTP/1.1): each of `concurrency` workers sends
 * the pre-encoded message, waits for the answer and sends again until the window ends. Identity
 * serializers keep protobuf work out of the driver's CPU budget.
 */
export async function runGrpcLoad(options: GrpcLoadOptions): Promise<LoadResult> {
  const channels = Math.max(1, options.channels ?? Math.min(options.concurrency, 4));
  // A local subchannel pool per client: otherwise grpc-js shares one connection between them (grpc-node#2214).
  const clients = Array.from({ length: channels }, () => new Client(options.target, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  }));
  try {
    await Promise.all(clients.map((c) => waitReady(c, options.target, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS)));
    return await drive(clients, options);
  } finally {
    for (const c of clients) c.close();
  }
}

/** Rejects naming the target: grpc-js only says "Failed to connect before the deadline" (e.g. on a REST port, which never speaks HTTP/2). */
function waitReady(client: Client, target: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => client.waitForReady(Date.now() + timeoutMs, (err) => {
    if (err === undefined || err === null) resolve();
    else reject(new Error(`no gRPC connection to ${target} within ${timeoutMs / 1000} s (${err.message}): is a gRPC server listening there?`, { cause: err }));
  }));
}

function drive(clients: readonly Client[], options: GrpcLoadOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  const maxRequests = options.maxRequests ?? Math.ceil(options.durationSec * MAX_REQ_PER_SEC);
  const deadlineMs = options.deadlineMs ?? 10_000;
  const started = process.hrtime.bigint();
  const endAt = started + BigInt(Math.round(options.durationSec * 1e9));
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let running = 0;
  return new Promise<LoadResult>((resolve) => {
    const progress = options.onProgress;
    const ticker = progress === undefined ? undefined : setInterval(() => progress(completed, elapsed(started)), 250);
    const finish = (): void => {
      if (ticker !== undefined) clearInterval(ticker);
      const durationSec = elapsed(started);
      resolve({
        completed, errors, non2xx: 0, durationSec, reqPerSec: completed / durationSec, latencyUs: recorder.summary(),
        ...(firstError === undefined ? {} : { firstError }),
      });
    };
    const send = (worker: number): void => {
      if (sent >= maxRequests || process.hrtime.bigint() >= endAt) {
        if (--running === 0) finish();
        return;
      }
      sent++;
      const t0 = process.hrtime.bigint();
      const client = clients[worker % clients.length] as Client;
      client.makeUnaryRequest(options.method, identity, identity, options.message, new Metadata(), { deadline: Date.now() + deadlineMs },
        (err: ServiceError | null) => {
          completed++;
          if (err !== null) {
            errors++;
            firstError ??= `gRPC ${err.code}: ${err.details}`;
          }
          recorder.recordNs(process.hrtime.bigint() - t0);
          send(worker);
        });
    };
    running = Math.max(1, options.concurrency);
    for (let w = 0; w < running; w++) send(w);
  });
}

function elapsed(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
