import type { Scenario } from './types';

/** ~1 MB request, small answer: the cost of moving a large body one way through the engine. */
export const restG1P2Oneway: Scenario = {
  name: 'rest-g1-p2-oneway',
  description: 'G1, P2 (~1 MB JSON tensor) request, small fixed answer, REST, c=16: engine CPU/req (target <= 2 ms), RSS at 16 connections.',
  graph: 'g1-single-model',
  transport: 'rest',
  payload: 'p2',
  stub: 'fixed',
  modes: [{ connections: 16, paths: ['direct', 'bare', 'engine'] }],
  inDefault: true,
};
