import type { NodeSpec } from '../graph/spec';
import type { Unit } from '../graph/unit';

/**
 * A built-in implementation (SIMPLE_MODEL, RANDOM_ABTEST, ...), registered by its Seldon name.
 * Parameters are parsed and checked once, at graph load; nothing is re-parsed per request.
 */
export interface BuiltinUnit {
  /** The `implementation` name it answers to. */
  readonly name: string;
  /**
   * Problems with this node for this unit (child count, parameters), each a sentence without the
   * node name (the caller prefixes it). Empty when the node is fine.
   */
  check(node: NodeSpec): string[];
  /** Builds the unit for a node that passed `check`. */
  create(node: NodeSpec, deps: BuiltinDeps): Unit;
}

/** What built-ins may use; injected so tests can control randomness. */
export interface BuiltinDeps {
  /** Uniform random number in [0, 1). */
  readonly random: () => number;
}

export class UnitRegistry {
  readonly #units = new Map<string, BuiltinUnit>();

  register(unit: BuiltinUnit): this {
    if (this.#units.has(unit.name)) throw new Error(`built-in unit ${unit.name} registered twice`);
    this.#units.set(unit.name, unit);
    return this;
  }

  get(name: string): BuiltinUnit | undefined {
    return this.#units.get(name);
  }

  names(): string[] {
    return [...this.#units.keys()];
  }
}
