import type { Scenario } from './types';

/** One gRPC MODEL behind the engine's gRPC front (no bare hop: it is REST-only). */
export const grpcG1P1: Scenario = {
  name: 'grpc-g1-p1',
  description: 'G1 single MODEL, P1, gRPC front and gRPC child. c=1: added p50; c=32: engine CPU/req (target <= 180 µs).',
  graph: 'g1-single-model',
  transport: 'grpc',
  payload: 'p1',
  stub: 'fixed',
  modes: [
    { connections: 1, paths: ['direct', 'engine'] },
    { connections: 32, paths: ['direct', 'engine'] },
  ],
  inDefault: true,
};
