import type { LoadPath } from './measure';
import { runGrpcLoad } from './grpc-load';
import { runRestLoad } from './rest-load';

/** Processes whose CPU and memory a path reports. */
export interface PathProcesses {
  /** The engine or bare hop. */
  readonly pid?: number;
  readonly stubPids?: readonly number[];
}

/** The engine's REST prediction route (Seldon's /api/v1.0/predictions). */
export const ENGINE_REST_PATH = '/api/v1.0/predictions';
/** The engine's gRPC prediction method. */
export const ENGINE_GRPC_METHOD = '/seldon.protos.Seldon/Predict';

/** A path that POSTs `body` to `url` over `connections` keep-alive connections with autocannon. */
export function restPath(name: string, url: string, body: Buffer, connections: number, procs: PathProcesses = {}): LoadPath {
  return {
    name,
    ...procs,
    run: (durationSec, onProgress) => runRestLoad({ url, body, connections, durationSec, onProgress }),
  };
}

/** A path that calls `method` on `target` (`host:port`) with `concurrency` calls in flight. */
export function grpcPath(name: string, target: string, method: string, message: Buffer, concurrency: number, procs: PathProcesses = {}): LoadPath {
  return {
    name,
    ...procs,
    run: (durationSec, onProgress) => runGrpcLoad({ target, method, message, concurrency, durationSec, onProgress }),
  };
}
