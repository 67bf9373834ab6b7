import { engineError } from '../errors';
import type { Payload } from '../message/payload';
import { fanOut } from './fan-out';
import type { PlanNode } from './plan';
import type { CallContext } from './unit';

/** Route values with a meaning of their own (Seldon's analytics/routers docs). */
export const ROUTE_ALL = -1;
export const ROUTE_NONE = -2;

/**
 * Runs one prediction through a node (section 4.2): transform input (or predict), then route to the
 * children and aggregate their outputs, then transform output. The route each node took is recorded
 * in `ctx.routing` (per request) for routing injection.
 */
export function predict(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  const observer = node.observer;
  if (observer === undefined) return run(node, msg, ctx);
  const visit = observer.enter(msg, ctx);
  return run(node, msg, visit.ctx).then(
    (out) => {
      visit.leave(out);
      return out;
    },
    (err: unknown) => {
      visit.leave(undefined, err);
      throw err;
    },
  );
}

async function run(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  let out = msg;
  if (node.transformInput !== undefined) {
    out = await node.transformInput(out, ctx);
    ctx.routing.set(node.name, ROUTE_ALL);
  }
  if (node.children.length > 0) out = await predictChildren(node, out, ctx);
  if (node.transformOutput !== undefined) out = await node.transformOutput(out, ctx);
  return out;
}

async function predictChildren(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  const route = node.route === undefined ? ROUTE_ALL : await node.route(msg, ctx);
  ctx.routing.set(node.name, route);
  if (route === ROUTE_NONE) return msg;

  let outputs: Payload[];
  if (route === ROUTE_ALL) {
    outputs = await fanOut(node.children, ctx, (child, childCtx) => predict(child, msg, childCtx));
  } else {
    const child = Number.isInteger(route) && route >= 0 ? node.children[route] : undefined;
    if (child === undefined) {
      const last = node.children.length - 1;
      throw engineError('INVALID_ROUTING', `router "${node.name}" answered route ${route}, but it has ${node.children.length} ${node.children.length === 1 ? 'child' : 'children'} (valid routes: -2, -1, 0..${last})`);
    }
    outputs = [await predict(child, msg, ctx)];
  }
  if (node.aggregate !== undefined) return node.aggregate(outputs, ctx);
  // A node with several children and no combiner keeps the first output, as Seldon does.
  return outputs[0] ?? msg;
}
