import type { Scenario } from './types';

/** Not in the default matrix: 1 MiB protobuf tensor both ways over gRPC. */
export const grpcG1P2Echo: Scenario = {
  name: 'grpc-g1-p2-echo',
  description: 'G1, P2 (131,072 doubles, 1 MiB protobuf) both ways, gRPC, c=16: large-message pass-through (no target; run with --scenario).',
  graph: 'g1-single-model',
  transport: 'grpc',
  payload: 'p2',
  stub: 'echo',
  modes: [{ connections: 16, paths: ['direct', 'engine'] }],
  inDefault: false,
};
