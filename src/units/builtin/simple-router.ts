import type { NodeSpec } from '../../graph/spec';
import type { Unit } from '../../graph/unit';
import type { BuiltinUnit } from '../registry';

/** SIMPLE_ROUTER: always routes to child 0, as the Java engine did (the Go executor called all children). */
export const simpleRouter: BuiltinUnit = {
  name: 'SIMPLE_ROUTER',
  check(node: NodeSpec): string[] {
    return node.children.length === 0 ? ['SIMPLE_ROUTER needs at least 1 child, it has none.'] : [];
  },
  create(): Unit {
    return { route: async (): Promise<number> => 0 };
  },
};
