import type { Scenario } from './types';

/**
 * The control of rest-f2-p1: a built-in front node (SIMPLE_MODEL) with one MODEL child, so that the
 * pair differs only in the second child call.
 */
export const restF1P1: Scenario = {
  name: 'rest-f1-p1',
  description: 'F1 SIMPLE_MODEL with one MODEL child, P1, REST, c=32: the control of rest-f2-p1 (no target).',
  graph: 'f1-builtin-one-child',
  transport: 'rest',
  payload: 'p1',
  stub: 'fixed',
  modes: [{ connections: 32, paths: ['engine'] }],
  inDefault: true,
};
