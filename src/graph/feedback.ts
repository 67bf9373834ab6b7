import { engineError } from '../errors';
import type { Payload } from '../message/payload';
import { fanOut } from './fan-out';
import { ROUTE_ALL, ROUTE_NONE } from './execute';
import type { PlanNode } from './plan';
import type { CallContext } from './unit';

/**
 * Checks, before any child is called, that every route the feedback names for a node with children
 * is -1, -2 or one of its children (Seldon crashed on a bad one, quirk 3). Throws BAD_FEEDBACK_ROUTING.
 */
export function checkFeedbackRouting(node: PlanNode, routing: ReadonlyMap<string, number>): void {
  if (node.children.length === 0) return;
  const route = routing.get(node.name) ?? ROUTE_ALL;
  if (route === ROUTE_NONE) return;
  if (route === ROUTE_ALL) {
    for (const child of node.children) checkFeedbackRouting(child, routing);
    return;
  }
  const child = Number.isInteger(route) && route >= 0 ? node.children[route] : undefined;
  if (child === undefined) {
    throw engineError('BAD_FEEDBACK_ROUTING', `feedback response.meta.routing["${node.name}"] is ${route}, but node "${node.name}" has ${node.children.length} ${node.children.length === 1 ? 'child' : 'children'} (valid: -2, -1, 0..${node.children.length - 1})`);
  }
  checkFeedbackRouting(child, routing);
}

/**
 * Sends feedback down the path the prediction took (section 4.7): children first, following
 * `routing` (absent: all children; -2: none), then the node's own send-feedback. Resolves with the
 * node's own answer, or the feedback itself when the node takes none (Seldon's behaviour).
 * Call checkFeedbackRouting first.
 */
export async function sendFeedback(node: PlanNode, feedback: Payload, routing: ReadonlyMap<string, number>, ctx: CallContext): Promise<Payload> {
  node.observer?.feedback(feedback, ctx);
  if (node.children.length > 0) {
    const route = routing.get(node.name) ?? ROUTE_ALL;
    const targets = route === ROUTE_ALL ? node.children : route === ROUTE_NONE ? [] : node.children.slice(route, route + 1);
    if (targets.length > 0) await fanOut(targets, ctx, (child, childCtx) => sendFeedback(child, feedback, routing, childCtx));
  }
  return node.sendFeedback === undefined ? feedback : node.sendFeedback(feedback, ctx);
}
