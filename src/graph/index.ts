export * from './spec';
export type { CallContext, Unit } from './unit';
export { callsChildServer, parsePredictorSpec, GraphError, type ParseOptions } from './parse';
export { compilePlan, remoteSteps, type Plan, type PlanNode, type RemoteStep, type UnitFactory } from './plan';
export { predict, ROUTE_ALL, ROUTE_NONE } from './execute';
export { checkFeedbackRouting, sendFeedback } from './feedback';
export { composeObservers, type NodeObserver, type NodeVisit } from './observer';
export { WaitClock } from './wait-clock';
export { Cancel, type CancelSignal } from './cancel';
