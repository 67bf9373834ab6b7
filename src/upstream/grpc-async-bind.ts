import { AsyncResource } from 'node:async_hooks';

/**
 * Works around a Node.js cost that every HTTP/2 client request pays: `ClientHttp2Session.request()`
 * wraps its connect callback with `AsyncResource#bind`, which on Node 20 (and 22, and 24 before
 * nodejs/node#59195) builds two `util.deprecate` wrappers per call for the deprecated
 * `asyncResource` property (DEP0172, nodejs/node#46432). Measured here: ~20 µs per bind, about a
 * tenth of the engine's CPU per gRPC child call, plus the garbage of per-call function shapes.
 *
 * The replacement behaves the same (the function runs in the resource's async scope, with the same
 * `this` and arguments, and still has `asyncResource` and `length`), without the deprecation
 * warning on reading `asyncResource`. It is installed only where the costly accessor exists, once
 * per process, and changes nothing else.
 */
export function installCheapAsyncResourceBind(): void {
  const proto = AsyncResource.prototype as AsyncResource & { [PATCHED]?: true };
  if (proto[PATCHED] === true || !hasDeprecatedAccessor()) return;
  function bind(this: AsyncResource, fn: Callback, thisArg?: unknown): Callback {
    if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    const resource = this;
    const bound: Callback & { asyncResource?: AsyncResource } = thisArg === undefined
      ? function (this: unknown, ...args: unknown[]): unknown {
        return resource.runInAsyncScope(fn, this, ...args);
      }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
    if (fn.length !== bound.length) Object.defineProperty(bound, 'length', { configurable: true, value: fn.length });
    bound.asyncResource = resource;
    return bound;
  }
  // The declared type is generic over the callback; the implementation is the same for all of them.
  proto.bind = bind as AsyncResource['bind'];
  proto[PATCHED] = true;
}

const PATCHED = Symbol.for('infergraph.cheapAsyncResourceBind');

type Callback = (this: unknown, ...args: unknown[]) => unknown;

/** Whether this Node's bind still defines `asyncResource` as a (deprecated, costly) accessor. */
function hasDeprecatedAccessor(): boolean {
  const bound = new AsyncResource('infergraph-probe').bind(() => undefined);
  return typeof Object.getOwnPropertyDescriptor(bound, 'asyncResource')?.get === 'function';
}
