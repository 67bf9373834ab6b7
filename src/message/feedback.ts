import { engineError } from '../errors';
import type { Payload } from './payload';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the routing a Feedback message carries in `response.meta.routing` (section 4.7). The body
 * must be a JSON object (400 otherwise: Seldon silently fell back to "all children"); absent
 * routing gives an empty map, meaning every child.
 */
export function readFeedbackRouting(feedback: Payload): Map<string, number> {
  const body = feedback.json('feedback body');
  if (!isObject(body)) throw engineError('BAD_REQUEST_JSON', 'feedback body must be a JSON object {"request":...,"response":...,"reward":...}');
  for (const field of ['request', 'response', 'truth'] as const) {
    const v = body[field];
    if (v !== undefined && v !== null && !isObject(v)) throw engineError('BAD_REQUEST_JSON', `feedback "${field}" must be a SeldonMessage object`);
  }
  // JSON.parse reads 1e400 as Infinity, which no child could read back.
  if (body.reward !== undefined && body.reward !== null && (typeof body.reward !== 'number' || !Number.isFinite(body.reward))) {
    throw engineError('BAD_REQUEST_JSON', `feedback "reward" must be a finite number, got ${typeof body.reward === 'number' ? String(body.reward) : JSON.stringify(body.reward)}`);
  }
  const routing = new Map<string, number>();
  const response = body.response;
  const meta = isObject(response) ? response.meta : undefined;
  const raw = isObject(meta) ? meta.routing : undefined;
  if (raw === undefined || raw === null) return routing;
  if (!isObject(raw)) throw engineError('BAD_REQUEST_JSON', 'feedback response.meta.routing must be an object of node name to route');
  for (const [node, route] of Object.entries(raw)) {
    if (typeof route !== 'number' || !Number.isInteger(route)) {
      throw engineError('BAD_FEEDBACK_ROUTING', `feedback response.meta.routing["${node}"] must be an integer, got ${JSON.stringify(route)}`);
    }
    routing.set(node, route);
  }
  return routing;
}
