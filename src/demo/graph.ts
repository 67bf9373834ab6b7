/**
 * The graph `--demo` (and `npm start`) serves: AVERAGE_COMBINER over two SIMPLE_MODELs, made only of
 * built-ins, so it answers without any model server.
 */
export const DEMO_PREDICTOR_SPEC = Object.freeze({
  name: 'demo',
  graph: {
    name: 'average',
    implementation: 'AVERAGE_COMBINER',
    children: [
      { name: 'model-a', implementation: 'SIMPLE_MODEL', children: [] },
      { name: 'model-b', implementation: 'SIMPLE_MODEL', children: [] },
    ],
  },
  componentSpecs: [],
});
