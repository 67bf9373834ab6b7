import type { NodeSpec, PredictorSpec } from './spec';
import type { CallContext, Unit } from './unit';
import type { Payload } from '../message/payload';
import type { NodeObserver } from './observer';

/** The child-server calls a node makes, by Seldon's rules (section 3.2). */
export type RemoteStep = 'predict' | 'transform-input' | 'route' | 'aggregate' | 'transform-output' | 'send-feedback';

/** Builds the unit behind each node; main wires built-ins and remote transports in. */
export interface UnitFactory {
  /** The built-in unit for this node, or undefined when its implementation is not a built-in. */
  builtin(node: NodeSpec): Unit | undefined;
  /** A unit that calls the node's model server for exactly these steps. */
  remote(node: NodeSpec, steps: ReadonlySet<RemoteStep>): Unit;
  /** What watches this node (payload logging, tracing); undefined when nothing does. */
  observer?(node: NodeSpec): NodeObserver | undefined;
}

type Step<In, Out> = ((input: In, ctx: CallContext) => Promise<Out>) | undefined;

/** One node, compiled: the steps it takes are resolved once, so the walk only tests for presence. */
export interface PlanNode {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly children: readonly PlanNode[];
  readonly unit: Unit;
  readonly transformInput: Step<Payload, Payload>;
  readonly route: Step<Payload, number>;
  readonly aggregate: Step<readonly Payload[], Payload>;
  readonly transformOutput: Step<Payload, Payload>;
  readonly sendFeedback: Step<Payload, Payload>;
  readonly observer: NodeObserver | undefined;
}

export interface Plan {
  readonly spec: PredictorSpec;
  readonly root: PlanNode;
  /** Every node by name (names are unique after parsing). */
  readonly nodes: ReadonlyMap<string, PlanNode>;
}

/** Which child-server calls a non-built-in node makes, from its type and methods (section 3.2). */
export function remoteSteps(node: NodeSpec): Set<RemoteStep> {
  const steps = new Set<RemoteStep>();
  const has = (m: NodeSpec['methods'][number]): boolean => node.methods.includes(m);
  if (node.type === 'TRANSFORMER' || has('TRANSFORM_INPUT')) steps.add('transform-input');
  else if (node.type === 'MODEL') steps.add('predict');
  if (node.type === 'ROUTER' || has('ROUTE')) steps.add('route');
  if (node.type === 'COMBINER' || has('AGGREGATE')) steps.add('aggregate');
  if (node.type === 'OUTPUT_TRANSFORMER' || has('TRANSFORM_OUTPUT')) steps.add('transform-output');
  if (node.type === 'MODEL' || node.type === 'ROUTER' || has('SEND_FEEDBACK')) steps.add('send-feedback');
  return steps;
}

/** Compiles a validated spec into the immutable plan the engine walks. */
export function compilePlan(spec: PredictorSpec, factory: UnitFactory): Plan {
  const nodes = new Map<string, PlanNode>();
  const compile = (node: NodeSpec): PlanNode => {
    const children = node.children.map(compile);
    const unit = factory.builtin(node) ?? factory.remote(node, remoteSteps(node));
    const plan: PlanNode = Object.freeze({
      name: node.name,
      spec: node,
      children: Object.freeze(children),
      unit,
      transformInput: unit.transformInput?.bind(unit),
      route: unit.route?.bind(unit),
      aggregate: unit.aggregate?.bind(unit),
      transformOutput: unit.transformOutput?.bind(unit),
      sendFeedback: unit.sendFeedback?.bind(unit),
      observer: factory.observer?.(node),
    });
    nodes.set(node.name, plan);
    return plan;
  };
  const root = compile(spec.graph);
  return Object.freeze({ spec, root, nodes });
}
