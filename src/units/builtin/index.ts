import type { BuiltinUnit, UnitRegistry } from '../registry';
import { averageCombiner } from './average-combiner';
import { randomAbTest } from './random-abtest';
import { simpleModel } from './simple-model';
import { simpleRouter } from './simple-router';

/** Every built-in implementation. A new built-in is one file plus one entry here. */
export const BUILTINS: readonly BuiltinUnit[] = [simpleModel, simpleRouter, randomAbTest, averageCombiner];

/** Registers every built-in in `registry` and returns it. */
export function registerBuiltins(registry: UnitRegistry): UnitRegistry {
  for (const unit of BUILTINS) registry.register(unit);
  return registry;
}

export { SIMPLE_MODEL_RESPONSE } from './simple-model';
export { DEFAULT_RATIO_A } from './random-abtest';
