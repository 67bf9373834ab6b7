/**
 * Transport-neutral building blocks for scenarios that run unchanged over REST and gRPC: a model
 * server that answers the same Seldon JSON on both transports at once, a graph builder that takes an
 * endpoint factory, and a caller that sends one request to the engine over either transport.
 */
import { restEndpoint, startChild, type ChildServer, type ReceivedCall } from './child-server';
import type { EngineReply, RunningEngine } from './engine';
import { grpcEndpoint, startGrpcChild, type GrpcChild, type GrpcReceivedCall } from './grpc-child';
import type { SeldonGrpcClient } from './grpc-client';

export type Transport = 'REST' | 'GRPC';

/** What a graph step asks of a model server, whichever transport carries it. */
export type Step = 'predict' | 'transform-input' | 'transform-output' | 'route' | 'aggregate' | 'send-feedback' | 'metadata' | 'status';

export type NodeType = 'MODEL' | 'TRANSFORMER' | 'OUTPUT_TRANSFORMER' | 'ROUTER' | 'COMBINER';

/** One call a scenario child received, in Seldon JSON whatever the transport. */
export interface StepCall {
  readonly node: string;
  readonly step: Step;
  readonly transport: Transport;
  /** REST path or full gRPC method, exactly as called. */
  readonly via: string;
  /**
   * The request in Seldon JSON. An aggregate request is the list of messages: the bare JSON array
   * a REST combiner gets, or the `seldonMessages` of the SeldonMessageList a gRPC combiner gets.
   */
  readonly request: unknown;
  /** A request header (REST) or metadata value (gRPC), by lower-case name. */
  header(name: string): string | undefined;
}

/** Answers one call with a Seldon JSON value (the answer type of the step). */
export type Behaviour = (call: StepCall) => unknown;

const REST_STEPS: Readonly<Record<string, Step>> = {
  '/predict': 'predict',
  '/transform-input': 'transform-input',
  '/transform-output': 'transform-output',
  '/route': 'route',
  '/aggregate': 'aggregate',
  '/send-feedback': 'send-feedback',
  '/metadata': 'metadata',
  '/health/status': 'status',
};

const GRPC_STEPS: Readonly<Record<string, Step>> = {
  '/seldon.protos.Model/Predict': 'predict',
  '/seldon.protos.Transformer/TransformInput': 'transform-input',
  '/seldon.protos.OutputTransformer/TransformOutput': 'transform-output',
  '/seldon.protos.Router/Route': 'route',
  '/seldon.protos.Combiner/Aggregate': 'aggregate',
  '/seldon.protos.Model/SendFeedback': 'send-feedback',
  '/seldon.protos.Router/SendFeedback': 'send-feedback',
  '/seldon.protos.Model/Metadata': 'metadata',
};

/**
 * The REST path or gRPC method a node of `type` must be called at for `step` (reference section
 * 3.2; routers get `Router/SendFeedback`, README quirk 10). A MODEL's input step is predict.
 */
export function expectedVia(type: NodeType, step: Step, transport: Transport): string {
  if (transport === 'REST') return Object.keys(REST_STEPS).find((path) => REST_STEPS[path] === step) ?? `(no REST path for ${step})`;
  if (step === 'send-feedback') return type === 'ROUTER' ? '/seldon.protos.Router/SendFeedback' : '/seldon.protos.Model/SendFeedback';
  return Object.keys(GRPC_STEPS).find((method) => GRPC_STEPS[method] === step) ?? `(no gRPC method for ${step})`;
}

/** A model server reachable over REST and gRPC at once, both answering from one behaviour. */
export interface DualChild {
  readonly name: string;
  readonly type: NodeType;
  readonly rest: ChildServer;
  readonly grpc: GrpcChild;
  /** The graph endpoint of this child over `transport`. */
  endpoint(transport: Transport): Endpoint;
  close(): Promise<void>;
}

export type Endpoint = ReturnType<typeof restEndpoint> | ReturnType<typeof grpcEndpoint>;

function restCall(name: string, call: ReceivedCall): StepCall {
  const step = REST_STEPS[call.path];
  if (step === undefined) throw new Error(`child ${name}: unexpected REST call ${call.method} ${call.path}`);
  return {
    node: name,
    step,
    transport: 'REST',
    via: call.path,
    request: call.text === '' ? {} : JSON.parse(call.text),
    header: (h) => {
      const v = call.headers[h];
      return Array.isArray(v) ? v.join(',') : v;
    },
  };
}

function grpcCall(name: string, call: GrpcReceivedCall): StepCall {
  const step = GRPC_STEPS[call.method];
  if (step === undefined) throw new Error(`child ${name}: unexpected gRPC call ${call.method}`);
  const request = step === 'aggregate' ? ((call.request as { seldonMessages?: unknown[] }).seldonMessages ?? []) : call.request;
  return {
    node: name,
    step,
    transport: 'GRPC',
    via: call.method,
    request,
    header: (h) => {
      const v = call.metadata.get(h)[0];
      return v === undefined ? undefined : String(v);
    },
  };
}

/**
 * Starts one REST and one gRPC server for graph node `name`, both answering `behaviour`; every call
 * either receives is appended to `log` (in arrival order).
 */
export async function startDualChild(name: string, type: NodeType, behaviour: Behaviour, log: StepCall[]): Promise<DualChild> {
  const [rest, grpc] = await Promise.all([
    startChild((call) => {
      const c = restCall(name, call);
      log.push(c);
      return { json: behaviour(c) };
    }),
    startGrpcChild((call) => {
      const c = grpcCall(name, call);
      log.push(c);
      return { json: behaviour(c) };
    }),
  ]);
  return {
    name,
    type,
    rest,
    grpc,
    endpoint: (t) => (t === 'REST' ? restEndpoint(rest.port) : grpcEndpoint(grpc.port)),
    close: async () => {
      await Promise.all([rest.close(), grpc.close()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Graphs

export interface ScenarioParameter {
  readonly name: string;
  readonly value: string;
  readonly type: string;
}

/** A PredictiveUnit as the operator writes it (the fields scenarios use). */
export interface ScenarioNode {
  readonly name: string;
  readonly type?: NodeType;
  readonly implementation?: string;
  readonly endpoint?: Endpoint;
  readonly parameters?: readonly ScenarioParameter[];
  readonly children: readonly ScenarioNode[];
}

/** Gives each remote node its endpoint: the factory decides the transport of every child. */
export type EndpointFactory = (node: string) => Endpoint;

/** A remote node of `type` at the endpoint the factory gives it. */
export function remoteNode(ep: EndpointFactory, type: NodeType, name: string, children: readonly ScenarioNode[] = []): ScenarioNode {
  return { name, type, endpoint: ep(name), children };
}

/** A built-in node (no type, no endpoint). */
export function builtinNode(name: string, implementation: string, children: readonly ScenarioNode[], parameters?: readonly ScenarioParameter[]): ScenarioNode {
  return parameters === undefined ? { name, implementation, children } : { name, implementation, parameters, children };
}

// ---------------------------------------------------------------------------------------------
// Callers

export const PREDICT_PATH = '/api/v1.0/predictions';
export const FEEDBACK_PATH = '/api/v1.0/feedback';

/** What the engine answered, in the form a test compares. */
export interface Outcome {
  /** HTTP status (REST) or gRPC code (gRPC). */
  readonly status: number;
  /** The answer parsed as Seldon JSON (undefined when it failed). */
  readonly json: unknown;
  /** The raw text (REST) or details (gRPC), for failure messages. */
  readonly text: string;
  /** The `seldon-puid` response header / header metadata. */
  readonly puid: string | undefined;
}

/**
 * Sends a SeldonMessage (predict) or Feedback (feedback) over `inbound`: REST as the JSON text of
 * `request`, gRPC as its protobuf encoding, with `headers` as HTTP headers or gRPC metadata.
 */
export async function send(
  inbound: Transport,
  kind: 'predict' | 'feedback',
  target: { engine: RunningEngine; grpc: SeldonGrpcClient },
  request: unknown,
  headers: Readonly<Record<string, string>>,
): Promise<Outcome> {
  if (inbound === 'REST') {
    const reply: EngineReply = await target.engine.post(kind === 'predict' ? PREDICT_PATH : FEEDBACK_PATH, JSON.stringify(request), { 'content-type': 'application/json', ...headers });
    let json: unknown;
    try {
      json = reply.status === 200 ? reply.json() : undefined;
    } catch {
      json = undefined;
    }
    return { status: reply.status, json, text: reply.text, puid: reply.headers.get('seldon-puid') ?? undefined };
  }
  const answer = await target.grpc.call(kind === 'predict' ? 'Predict' : 'SendFeedback', request, { metadata: { ...headers } });
  const puid = answer.header?.get('seldon-puid')[0];
  return { status: answer.code, json: answer.json, text: answer.details, puid: puid === undefined ? undefined : String(puid) };
}
