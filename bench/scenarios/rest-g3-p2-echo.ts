import type { Scenario } from './types';

/** AVERAGE_COMBINER over two ~1 MB outputs: parse two large tensors, average, print one. */
export const restG3P2Echo: Scenario = {
  name: 'rest-g3-p2-echo',
  description: 'G3 AVERAGE_COMBINER over two echo MODELs, P2 (~1 MB), REST, c=16: engine CPU/req vs G1 P2 echo pass-through (target <= 3x).',
  graph: 'g3-average-combiner',
  transport: 'rest',
  payload: 'p2',
  stub: 'echo',
  modes: [{ connections: 16, paths: ['engine'] }],
  inDefault: true,
};
