import type { Scenario } from './types';

/** Not in the default matrix: the per-hop cost over gRPC children. */
export const grpcG2P1: Scenario = {
  name: 'grpc-g2-p1',
  description: 'G2 chain of three MODELs, P1, gRPC, c=32: per-hop engine CPU over gRPC (no target; run with --scenario).',
  graph: 'g2-chain',
  transport: 'grpc',
  payload: 'p1',
  stub: 'fixed',
  modes: [{ connections: 32, paths: ['engine'] }],
  inDefault: false,
};
