import type { Payload } from '../message/payload';
import type { CallContext } from './unit';

/**
 * What watches a node run — payload logging, tracing — decided per node when the plan is compiled.
 * A node nobody watches has none, and its walk pays nothing.
 */
export interface NodeObserver {
  /** The node received `input`; returns the context for its own calls and children, and `leave`. */
  enter(input: Payload, ctx: CallContext): NodeVisit;
  /** Feedback reached the node (before its children get it). */
  feedback(feedback: Payload, ctx: CallContext): void;
}

export interface NodeVisit {
  /** The context the node's steps and children run with (a tracer may add its span here). */
  readonly ctx: CallContext;
  /** The node finished: with its output, or with the error that ended it. */
  leave(output: Payload | undefined, error?: unknown): void;
}

/** Runs several observers as one (enter in order, leave in reverse). */
export function composeObservers(observers: readonly NodeObserver[]): NodeObserver | undefined {
  if (observers.length <= 1) return observers[0];
  return {
    enter(input, ctx) {
      const visits: NodeVisit[] = [];
      let current = ctx;
      for (const o of observers) {
        const visit = o.enter(input, current);
        visits.push(visit);
        current = visit.ctx;
      }
      return {
        ctx: current,
        leave(output, error) {
          for (let i = visits.length - 1; i >= 0; i--) visits[i]?.leave(output, error);
        },
      };
    },
    feedback(feedback, ctx) {
      for (const o of observers) o.feedback(feedback, ctx);
    },
  };
}
