import type { NodeSpec } from '../../graph/spec';
import type { Unit } from '../../graph/unit';
import type { BuiltinDeps, BuiltinUnit } from '../registry';

/** ratioA when the node does not set it (Seldon's default). */
export const DEFAULT_RATIO_A = 0.5;

/**
 * RANDOM_ABTEST: routes to child 0 with probability ratioA, else to child 1. Unlike Seldon, exactly two
 * children are required and ratioA is honoured whatever other parameters the node has (reference
 * section 5 and quirk 4).
 */
export const randomAbTest: BuiltinUnit = {
  name: 'RANDOM_ABTEST',
  check(node: NodeSpec): string[] {
    const problems: string[] = [];
    if (node.children.length !== 2) {
      problems.push(`RANDOM_ABTEST needs exactly 2 children, it has ${node.children.length}.`);
    }
    const ratio = ratioA(node);
    if (typeof ratio === 'string') problems.push(ratio);
    return problems;
  },
  create(node: NodeSpec, deps: BuiltinDeps): Unit {
    const ratio = ratioA(node);
    if (typeof ratio === 'string') throw new Error(`RANDOM_ABTEST ${node.name}: create() called on a node that failed check(): ${ratio}`);
    const { random } = deps;
    // `<` so that ratioA 0 never picks child 0 and ratioA 1 always does (random() is in [0, 1)).
    return { route: async (): Promise<number> => (random() < ratio ? 0 : 1) };
  },
};

/** The node's ratioA, or a problem sentence. Other parameters are ignored. */
function ratioA(node: NodeSpec): number | string {
  const params = node.parameters.filter((p) => p.name === 'ratioA');
  if (params.length > 1) return `parameter ratioA is given ${params.length} times.`;
  const param = params[0];
  if (param === undefined) return DEFAULT_RATIO_A;
  let value: number;
  switch (param.type) {
    case 'FLOAT':
    case 'DOUBLE':
    case 'INT':
      value = typeof param.value === 'number' ? param.value : NaN;
      break;
    case 'STRING': {
      const text = String(param.value).trim();
      // Number('') is 0: an empty string must not pass as a ratio.
      value = text === '' ? NaN : Number(text);
      break;
    }
    default:
      return `parameter ratioA has type ${param.type}; it must be FLOAT, DOUBLE, INT or a STRING holding a number.`;
  }
  if (!Number.isFinite(value)) return `parameter ratioA is ${JSON.stringify(param.value)}, which is not a number.`;
  if (value < 0 || value > 1) return `parameter ratioA is ${value}; it must be between 0 and 1.`;
  return value;
}
