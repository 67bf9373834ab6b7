import type { Scenario } from './types';

/** AVERAGE_COMBINER over two MODELs: parallel fan-out plus an in-engine average of small outputs. */
export const restG3P1: Scenario = {
  name: 'rest-g3-p1',
  description: 'G3 AVERAGE_COMBINER over two MODELs, P1, REST. c=32: engine CPU/req against G1 (target <= 1.5x); c=1: p50 against G1 (the children run in parallel).',
  graph: 'g3-average-combiner',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [
    { connections: 1, paths: ['engine'] },
    { connections: 32, paths: ['engine'] },
  ],
  inDefault: true,
};
