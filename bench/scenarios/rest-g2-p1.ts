import type { Scenario } from './types';

/** A chain of three MODELs: (G2 − G1) / 2 is the engine's cost of each extra REST hop. */
export const restG2P1: Scenario = {
  name: 'rest-g2-p1',
  description: 'G2 chain of three MODELs (parent -> child -> grandchild), P1, REST, c=32: per-hop engine CPU = (G2 - G1) / 2.',
  graph: 'g2-chain',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [{ connections: 32, paths: ['engine'] }],
  inDefault: true,
};
