import type { NodeObserver } from '../graph/observer';
import type { NodeSpec } from '../graph/spec';
import type { PayloadLogger } from './payload-log';

/**
 * Payload logging of one node (section 8): the message the node received as a `request` event and
 * the message it answered as a `response` event, per `logger.mode`; feedback as a `feedback` event in
 * modes `response` and `all` (as Seldon). Seldon logged some inputs twice and a combiner's input in
 * place of its children's outputs (quirk 16); here each node logs exactly what it received and what
 * it answered. Nothing is logged when the request carries `Seldon-Skip-Logging: true|on|1`.
 */
export function payloadLogObserver(node: NodeSpec, logger: PayloadLogger, defaultUrl: string): NodeObserver | undefined {
  const spec = node.logger;
  if (spec === undefined) return undefined;
  const url = spec.url ?? defaultUrl;
  const requests = spec.mode === 'request' || spec.mode === 'all';
  const responses = spec.mode === 'response' || spec.mode === 'all';
  return {
    enter(input, ctx) {
      const skip = skipLogging(ctx.headers['seldon-skip-logging']);
      if (requests && !skip) logger.log({ type: 'request', node: node.name, puid: ctx.puid, url, payload: input });
      return {
        ctx,
        leave(output) {
          if (responses && !skip && output !== undefined) logger.log({ type: 'response', node: node.name, puid: ctx.puid, url, payload: output });
        },
      };
    },
    feedback(feedback, ctx) {
      if (responses && !skipLogging(ctx.headers['seldon-skip-logging'])) logger.log({ type: 'feedback', node: node.name, puid: ctx.puid, url, payload: feedback });
    },
  };
}

/** Seldon's truth table: any value equal (case-insensitively) to true, on or 1 skips logging. */
export function skipLogging(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const values = (Array.isArray(header) ? header : [header]).flatMap((v) => v.split(','));
  return values.some((v) => ['true', 'on', '1'].includes(v.trim().toLowerCase()));
}
