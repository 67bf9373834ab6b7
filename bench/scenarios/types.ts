/** How a request reaches the stub: straight, through the bare hop, or through the engine. */
export type PathKind = 'direct' | 'bare' | 'engine';

/** One concurrency level of a scenario and the paths measured at it (alternating, same run). */
export interface Mode {
  /** Connections (REST) or concurrent calls (gRPC). 1 = latency mode, 16-32 = throughput mode. */
  readonly connections: number;
  readonly paths: readonly PathKind[];
}

/**
 * A benchmark scenario: a graph (template in bench/graphs) served by stub model servers, a payload,
 * and a transport for both the load and the graph's children.
 */
export interface Scenario {
  /** `<transport>-<graph>-<payload>[-variant]`, the name `--scenario` takes. */
  readonly name: string;
  /** What it measures, and which target it feeds (printed by --list and in the README). */
  readonly description: string;
  /** File name (no extension) in bench/graphs. */
  readonly graph: 'g1-single-model' | 'g2-chain' | 'g3-average-combiner' | 'g4-random-abtest' | 'f1-builtin-one-child' | 'f2-builtin-two-children';
  readonly transport: 'rest' | 'grpc';
  readonly payload: 'p1' | 'p2';
  /** fixed: the stub answers a small message; echo: it answers the request bytes. */
  readonly stub: 'fixed' | 'echo';
  readonly modes: readonly Mode[];
  /** Part of the default matrix (`npm run bench` with no --scenario). */
  readonly inDefault: boolean;
}
