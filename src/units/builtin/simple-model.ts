import { EngineError, engineError } from '../../errors';
import type { Unit } from '../../graph/unit';
import { isReadableAsJson, Payload } from '../../message/payload';
import type { BuiltinUnit } from '../registry';

/**
 * The Java engine's SIMPLE_MODEL answer, byte for byte (key order as the engine wrote it). The Go
 * executor made SIMPLE_MODEL a pass-through; we answer what the Java engine did (reference section 5).
 */
export const SIMPLE_MODEL_RESPONSE =
  '{"data":{"names":["class0","class1","class2"],"tensor":{"shape":[1,3],"values":[0.1,0.9,0.5]}},' +
  '"meta":{"metrics":[{"key":"mymetric_counter","type":"COUNTER","value":1},' +
  '{"key":"mymetric_gauge","type":"GAUGE","value":100},{"key":"mymetric_timer","type":"TIMER","value":22.1}]}}';

/** SIMPLE_MODEL: answers SIMPLE_MODEL_RESPONSE to every predict, whatever the input, once it is checked to be JSON. */
export const simpleModel: BuiltinUnit = {
  name: 'SIMPLE_MODEL',
  // Any number of children is fine: the graph core walks them after the model step.
  check: (): string[] => [],
  create(): Unit {
    // Built once: every call shares the same bytes (Payloads are never mutated).
    const body = Buffer.from(SIMPLE_MODEL_RESPONSE);
    return {
      transformInput: async (msg): Promise<Payload> => {
        checkInput(msg);
        return new Payload(body, 'application/json');
      },
    };
  },
};

/**
 * SIMPLE_MODEL stands in for a model, and a model refuses a body that is not JSON (so did the Java
 * engine, whose answer this is: 400 "Invalid JSON"). Without this check a graph of built-ins would
 * answer 200 to any bytes. A JSON body is parsed to check it (a few µs for the small messages such
 * graphs get), a form body through its `json` field or as a whole (see Payload.json); protobuf was
 * checked on receipt; multipart and binary bodies are not read.
 * Input that another node's child answered is that child's fault: CHILD_BAD_RESPONSE.
 */
function checkInput(msg: Payload): void {
  if (msg.proto !== undefined || !isReadableAsJson(msg.contentType)) return;
  if (msg.origin === undefined) {
    msg.json('request body');
    return;
  }
  try {
    msg.json(`the answer of node "${msg.origin}"`);
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BAD_REQUEST_JSON') throw engineError('CHILD_BAD_RESPONSE', err.message, { cause: err });
    throw err;
  }
}
