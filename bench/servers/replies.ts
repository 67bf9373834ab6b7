/** The stubs' fixed answer: a small prediction, valid input for the engine's combiners (numeric, 2-D). */
export const FIXED_REPLY_JSON = '{"data":{"names":["a","b"],"ndarray":[[0.25,0.75]]},"meta":{}}';
