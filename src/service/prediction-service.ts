import { blameChild, engineError } from '../errors';
import { checkFeedbackRouting, predict, sendFeedback, type Plan, type PlanNode } from '../graph';
import type { CallContext } from '../graph/unit';
import { readFeedbackRouting } from '../message/feedback';
import { setMetaRouting } from '../message/json-splice';
import { isJsonContentType, Payload } from '../message/payload';
import { graphMetadata, nodeMetadata } from './graph-metadata';
import { graphReady, type ReadinessOptions } from './readiness';

export interface ServiceOptions {
  /** SELDON_ENABLE_ROUTING_INJECTION: add `meta.routing` to prediction answers. */
  readonly routingInjection: boolean;
  readonly readiness: ReadinessOptions;
}

/**
 * The engine's operations on messages, whatever transport carried them: predict, feedback, status,
 * metadata, graph metadata and readiness.
 */
export class PredictionService {
  readonly #plan: Plan;
  readonly #options: ServiceOptions;
  #draining = false;

  constructor(plan: Plan, options: ServiceOptions) {
    this.#plan = plan;
    this.#options = options;
  }

  get plan(): Plan {
    return this.#plan;
  }

  predict(msg: Payload, ctx: CallContext): Promise<Payload> {
    // No async frame: this runs for every prediction, and only routing injection has work after the walk.
    const out = predict(this.#plan.root, msg, ctx);
    return this.#options.routingInjection ? out.then((o) => injectRouting(o, ctx.routing)) : out;
  }

  /** Checks the whole routing first, so a bad index is a 400 before any child hears of it. */
  feedback(feedback: Payload, ctx: CallContext): Promise<Payload> {
    const routing = readFeedbackRouting(feedback);
    checkFeedbackRouting(this.#plan.root, routing);
    return sendFeedback(this.#plan.root, feedback, routing, ctx);
  }

  status(model: string, ctx: CallContext): Promise<Payload> {
    const node = this.#node(model);
    return node.unit.status === undefined ? Promise.resolve(Payload.fromJson({ status: 'ok', name: node.name })) : node.unit.status(ctx);
  }

  metadata(model: string, ctx: CallContext): Promise<Payload> {
    return nodeMetadata(this.#node(model), ctx);
  }

  graphMetadata(ctx: CallContext): Promise<Payload> {
    return graphMetadata(this.#plan.spec.name, this.#plan.root, this.#plan.nodes.values(), ctx);
  }

  /** Ready when not draining and every child server accepts connections (section 9.3). */
  async ready(): Promise<boolean> {
    return !this.#draining && (await graphReady(this.#plan.spec.graph, this.#options.readiness));
  }

  /** From now on readiness answers false, so the pod leaves the Service before the listener closes. */
  startDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  #node(model: string): PlanNode {
    const node = this.#plan.nodes.get(model);
    if (node === undefined) throw engineError('UNKNOWN_MODEL', `Failed to find model ${model}: the graph has no node of that name`);
    return node;
  }
}

/** Writes the routing of this request into the answer's `meta.routing`, touching nothing else. */
function injectRouting(out: Payload, routing: Map<string, number>): Payload {
  const routes = Object.fromEntries(routing);
  if (out.proto !== undefined) {
    const { type, codec } = out.proto;
    try {
      const message = out.json('answer');
      if (typeof message !== 'object' || message === null) return out;
      const meta = (message as { meta?: Record<string, unknown> }).meta ?? {};
      return Payload.fromProto(codec.toProto(type, { ...message, meta: { ...meta, routing: routes } }), type, codec, out.origin);
    } catch (err) {
      throw blameChild(err, out.origin, 'the engine cannot read to add meta.routing');
    }
  }
  if (out.contentEncoding !== '' || !isJsonContentType(out.contentType)) return out;
  const spliced = setMetaRouting(out.body.toString('utf8'), routes);
  return spliced === undefined ? out : new Payload(Buffer.from(spliced), out.contentType);
}
