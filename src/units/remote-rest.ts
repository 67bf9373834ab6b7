import { blameChild, engineError } from '../errors';
import type { NodeSpec, RemoteStep } from '../graph';
import type { CallContext, Unit } from '../graph/unit';
import { isJsonContentType, Payload } from '../message/payload';
import { routeFromResponse } from '../message/route-response';
import type { HttpReply, HttpUpstream } from '../upstream/http';

/** Child paths of the Seldon protocol (section 3.2). */
export const REST_PATHS: Readonly<Record<RemoteStep | 'status' | 'metadata', string>> = {
  predict: '/predict',
  'transform-input': '/transform-input',
  route: '/route',
  aggregate: '/aggregate',
  'transform-output': '/transform-output',
  'send-feedback': '/send-feedback',
  status: '/health/status',
  metadata: '/metadata',
};

/** Records one child call that got an answer (Seldon does not observe transport failures). */
export type ClientObserver = (path: string, method: string, code: string, seconds: number) => void;

export interface RemoteRestOptions {
  readonly http: HttpUpstream;
  /** Per-call deadline (`seldon.io/rest-timeout`, or the default ceiling). */
  readonly timeoutMs: number;
  readonly observe: ClientObserver;
}

/**
 * A node whose steps are calls to its model server over REST. Everything that does not change per
 * request (origin, pool, URLs) is fixed here, at graph load.
 */
export function createRemoteRestUnit(node: NodeSpec, steps: ReadonlySet<RemoteStep>, options: RemoteRestOptions): Unit {
  const endpoint = node.endpoint;
  if (endpoint === undefined) throw new Error(`node "${node.name}" has no endpoint`); // parse.ts guarantees one
  const origin = `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.httpPort}`;
  const pool = options.http.pool(endpoint.host, endpoint.httpPort);
  const urls = new Map(Object.values(REST_PATHS).map((p) => [p, origin + p]));
  // A protobuf payload (from a gRPC caller or child) is transcoded to JSON here, once per payload.
  // One promise per call (no async wrappers): this is the hot path of every REST child call.
  const send = (path: string, method: 'GET' | 'POST', msg: Payload | undefined, ctx: CallContext): Promise<Payload> => {
    const started = performance.now();
    return options.http.request(pool, {
      method,
      path,
      url: urls.get(path) ?? origin + path,
      body: msg?.chunks,
      contentType: msg?.contentType ?? '',
      contentEncoding: msg?.contentEncoding ?? '',
      headers: ctx.headers,
      // A gRPC caller's deadline bounds REST child calls too.
      timeoutMs: ctx.deadline === undefined ? options.timeoutMs : Math.max(0, Math.min(options.timeoutMs, ctx.deadline - Date.now())),
      signal: ctx.signal,
      node: node.name,
    }, (reply) => {
      options.observe(path, method === 'POST' ? 'post' : 'get', statusLabel(reply.status), (performance.now() - started) / 1000);
      return replyPayload(reply, node.name, path);
    });
  };
  const post = (step: RemoteStep, msg: Payload, ctx: CallContext): Promise<Payload> => {
    let body: Payload;
    try {
      body = msg.asJson();
    } catch (err) {
      // A gRPC child's answer this node cannot be sent as JSON is that child's fault, not the caller's.
      return Promise.reject(blameChild(err, msg.origin, `that REST node "${node.name}" cannot be sent`));
    }
    return send(REST_PATHS[step], 'POST', body, ctx);
  };
  const get = (path: string, ctx: CallContext): Promise<Payload> => send(path, 'GET', undefined, ctx);
  const childNames = node.children.map((c) => c.name);

  const unit: Unit = {
    status: (ctx) => get(REST_PATHS.status, ctx),
    metadata: (ctx) => get(REST_PATHS.metadata, ctx),
  };
  if (steps.has('transform-input')) unit.transformInput = (msg, ctx) => post('transform-input', msg, ctx);
  else if (steps.has('predict')) unit.transformInput = (msg, ctx) => post('predict', msg, ctx);
  if (steps.has('route')) unit.route = async (msg, ctx) => routeFromResponse(await post('route', msg, ctx), node.name);
  if (steps.has('aggregate')) unit.aggregate = (msgs, ctx) => post('aggregate', aggregateBody(msgs, node.name, childNames), ctx);
  if (steps.has('transform-output')) unit.transformOutput = (msg, ctx) => post('transform-output', msg, ctx);
  if (steps.has('send-feedback')) unit.sendFeedback = (msg, ctx) => post('send-feedback', msg, ctx);
  return unit;
}

/** The status as the metric's `code` label; the common one without a new string. */
function statusLabel(status: number): string {
  return status === 200 ? '200' : String(status);
}

/** A 200 becomes the next payload; any other status goes back to the caller unchanged (section 2.3). */
function replyPayload(reply: HttpReply, node: string, path: string): Payload {
  if (reply.status !== 200) {
    throw engineError('CHILD_STATUS', `node "${node}" answered ${reply.status} to ${path}`, {
      reply: { status: reply.status, body: Buffer.concat(reply.chunks), contentType: reply.contentType },
    });
  }
  return new Payload(reply.chunks, reply.contentType, reply.contentEncoding, undefined, node);
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The combiner's input: the children's outputs joined as a JSON array of their JSON text (Seldon's
 * wire format, section 3.3), with the first output's content type when it is a JSON one. Each output
 * must be JSON; a protobuf output is transcoded and a form's `json` field taken.
 */
function aggregateBody(msgs: readonly Payload[], node: string, children: readonly string[]): Payload {
  const parts: Buffer[] = [OPEN];
  msgs.forEach((m, i) => {
    let text: Buffer;
    try {
      m.json();
      text = m.jsonText();
    } catch {
      throw engineError('CHILD_BAD_RESPONSE', `combiner "${node}" needs JSON, but the output of child "${children[i] ?? i}" is not JSON`);
    }
    if (i > 0) parts.push(COMMA);
    parts.push(text);
  });
  parts.push(CLOSE);
  const first = msgs[0]?.contentType ?? '';
  return new Payload(Buffer.concat(parts), first !== '' && isJsonContentType(first) ? first : 'application/json');
}
