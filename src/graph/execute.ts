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

/**
 * Plain promise chaining rather than an async function: a MODEL leaf (the most common node) costs one
 * `then` instead of an async frame and its awaits, on every node of every request.
 */
function run(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  const { transformInput } = node;
  if (transformInput === undefined) return afterInput(node, msg, ctx);
  let input: Promise<Payload>;
  try {
    input = transformInput(msg, ctx);
  } catch (err) {
    return Promise.reject(err);
  }
  if (node.children.length === 0 && node.transformOutput === undefined) {
    // A leaf (most MODELs): its one step is its output, so no `then` of its own. Its route is
    // recorded now; only a successful request reads it (routing injection).
    ctx.routing.set(node.name, ROUTE_ALL);
    return input;
  }
  return input.then((out) => {
    ctx.routing.set(node.name, ROUTE_ALL);
    return afterInput(node, out, ctx);
  });
}

/** Children (route, fan out, aggregate), then transform output. */
function afterInput(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  const { transformOutput } = node;
  let out: Promise<Payload>;
  try {
    out = node.children.length > 0 ? predictChildren(node, msg, ctx) : Promise.resolve(msg);
  } catch (err) {
    return Promise.reject(err);
  }
  return transformOutput === undefined ? out : out.then((o) => transformOutput(o, ctx));
}

/** Routes (a router's answer, else every child), runs the chosen children, aggregates. */
function predictChildren(node: PlanNode, msg: Payload, ctx: CallContext): Promise<Payload> {
  if (node.route === undefined) return afterRoute(node, msg, ctx, ROUTE_ALL);
  return node.route(msg, ctx).then((route) => afterRoute(node, msg, ctx, route));
}

function afterRoute(node: PlanNode, msg: Payload, ctx: CallContext, route: number): Promise<Payload> {
  ctx.routing.set(node.name, route);
  if (route === ROUTE_NONE) return Promise.resolve(msg);

  let outputs: Promise<Payload[]>;
  if (route === ROUTE_ALL) {
    outputs = fanOut(node.children, ctx, (child, childCtx) => predict(child, msg, childCtx));
  } else {
    const child = Number.isInteger(route) && route >= 0 ? node.children[route] : undefined;
    if (child === undefined) {
      const last = node.children.length - 1;
      return Promise.reject(engineError('INVALID_ROUTING', `router "${node.name}" answered route ${route}, but it has ${node.children.length} ${node.children.length === 1 ? 'child' : 'children'} (valid routes: -2, -1, 0..${last})`));
    }
    outputs = predict(child, msg, ctx).then((out) => [out]);
  }
  const { aggregate } = node;
  // A node with several children and no combiner keeps the first output, as Seldon does.
  return outputs.then((outs) => (aggregate !== undefined ? aggregate(outs, ctx) : (outs[0] ?? msg)));
}
