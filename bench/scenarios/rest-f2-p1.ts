import type { Scenario } from './types';

/**
 * G3's fan-out without its average: the same built-in front as rest-f1-p1 with two MODEL children
 * and no combiner (the first output is the answer, as in Seldon). F2 / F1 is what calling a second
 * child in parallel costs by itself, the floor under G3 / G1.
 */
export const restF2P1: Scenario = {
  name: 'rest-f2-p1',
  description: 'F2 SIMPLE_MODEL with two MODEL children and no combiner, P1, REST, c=32: F2 / F1 is the fan-out floor under G3 / G1 (no target).',
  graph: 'f2-builtin-two-children',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [{ connections: 32, paths: ['engine'] }],
  inDefault: true,
};
