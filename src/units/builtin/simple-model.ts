import type { Unit } from '../../graph/unit';
import { Payload } from '../../message/payload';
import type { BuiltinUnit } from '../registry';

/**
 * The Java engine's SIMPLE_MODEL answer, byte for byte (key order as the engine wrote it). The Go
 * executor made SIMPLE_MODEL a pass-through; we answer what the Java engine did (reference section 5).
 */
export const SIMPLE_MODEL_RESPONSE =
  '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},' +
  '"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1},' +
  '{"key":"mymetric_gauge","type":"GAUGE","value":100},{"key":"mymetric_timer","type":"TIMER","value":22.1}]}}';

/** SIMPLE_MODEL: answers SIMPLE_MODEL_RESPONSE to every predict, whatever the input. */
export const simpleModel: BuiltinUnit = {
  name: 'SIMPLE_MODEL',
  // Any number of children is fine: the graph core walks them after the model step.
  check: (): string[] => [],
  create(): Unit {
    // Built once: every call shares the same bytes (Payloads are never mutated).
    const body = Buffer.from(SIMPLE_MODEL_RESPONSE);
    return {
      transformInput: async (): Promise<Payload> => new Payload(body, 'application/json'),
    };
  },
};
