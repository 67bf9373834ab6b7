import type { Scenario } from './types';

/** RANDOM_ABTEST over two MODELs: one child call per request plus the routing decision. */
export const restG4P1: Scenario = {
  name: 'rest-g4-p1',
  description: 'G4 RANDOM_ABTEST (ratioA 0.5) over two MODELs, P1, REST, c=32: cost of a built-in router (no target; compare with G1).',
  graph: 'g4-random-abtest',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [{ connections: 32, paths: ['engine'] }],
  inDefault: true,
};
