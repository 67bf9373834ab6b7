import type { Scenario } from './types';

/** The reference case: one REST MODEL, small payload, engine against bare hop and direct at c=1 and c=32. */
export const restG1P1: Scenario = {
  name: 'rest-g1-p1',
  description: 'G1 single MODEL, P1, REST. c=1: added p50 vs the bare hop; c=32: CPU/req and req/s vs the bare hop, RSS under P1 load.',
  graph: 'g1-single-model',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [
    { connections: 1, paths: ['direct', 'bare', 'engine'] },
    { connections: 32, paths: ['direct', 'bare', 'engine'] },
  ],
  inDefault: true,
};
