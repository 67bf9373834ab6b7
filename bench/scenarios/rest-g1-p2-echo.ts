import type { Scenario } from './types';

/** ~1 MB both ways: large-body pass-through against the bare hop. */
export const restG1P2Echo: Scenario = {
  name: 'rest-g1-p2-echo',
  description: 'G1, P2 (~1 MB) both ways (echo stub), REST, c=16: engine CPU/req vs the bare hop (target <= 1.3x), RSS at 16 connections.',
  graph: 'g1-single-model',
  transport: 'rest',
  payload: 'p2',
  stub: 'echo',
  modes: [{ connections: 16, paths: ['direct', 'bare', 'engine'] }],
  inDefault: true,
};
