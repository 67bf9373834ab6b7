/**
 * The transport contract suite (hono-style): scenarios written once as data — children's behaviour
 * in Seldon JSON, a graph built from an endpoint factory, exchanges with their exact expected answer
 * and child calls — and run unchanged over every combination of transports: {REST, gRPC} callers ×
 * {REST, gRPC, mixed} children (reference section 3; README "Transports per node"). The same
 * expected values must hold on every run, so a transcoding that loses or changes something fails.
 *
 * Normalisation. Answers are compared as parsed JSON values (assert.deepStrictEqual), which ignores
 * key order and the spelling of numbers (`2.0` and `2` are one value): the two things that
 * legitimately differ between a REST child's own bytes and the proto3 JSON a protobuf payload
 * prints as. Everything else must be equal. Scenario payloads are chosen to survive protobuf
 * unchanged: ndarray numbers are doubles anyway; no proto3 default values (an enum's value 0, such
 * as a metric of type COUNTER, or an empty string, is dropped by protobuf and kept by REST); tensor
 * shapes are int32 (numbers in JSON, unlike int64, which proto3 JSON prints as strings).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type RunningEngine } from './engine';
import { SeldonGrpcClient } from './grpc-client';
import { expectedVia, send, startDualChild, type Behaviour, type DualChild, type EndpointFactory, type NodeType, type ScenarioNode, type StepCall, type Transport } from './scenario-children';

// ---------------------------------------------------------------------------------------------
// Seldon JSON the children speak

interface Message {
  readonly meta?: { readonly tags?: { readonly by?: unknown } };
  readonly data?: { readonly names?: readonly string[]; readonly ndarray?: readonly (readonly number[])[]; readonly tensor?: { readonly shape: readonly number[]; readonly values: readonly number[] } };
  readonly strData?: string;
  readonly jsonData?: unknown;
  readonly binData?: string;
}

interface FeedbackMessage {
  readonly reward?: number;
}

/** The `by` trail of the message, extended by `name`: the chain order shows in the final answer. */
function trail(msg: Message, name: string): string {
  const by = msg.meta?.tags?.by;
  return typeof by === 'string' ? `${by}>${name}` : name;
}

/** A 2-D ndarray answer with a name per column. */
function ndarrayAnswer(name: string, by: string, rows: readonly (readonly number[])[]): unknown {
  return { meta: { tags: { by } }, data: { names: (rows[0] ?? []).map((_, i) => `${name}${i}`), ndarray: rows } };
}

/** What every child answers to feedback: who took it, and the reward it saw. */
function feedbackAnswer(name: string, call: StepCall): unknown {
  return { meta: { tags: { by: `feedback:${name}` } }, data: { ndarray: [[(call.request as FeedbackMessage).reward ?? -1]] } };
}

/**
 * A model (or transformer) applying `f` to every number of its input, for each payload kind:
 * ndarray and tensor (numbers), strData (appends its name), jsonData (wraps it), binData (reverses
 * the bytes). Its answer's `meta.tags.by` extends the input's trail.
 */
export function numeric(name: string, f: (x: number) => number): Behaviour {
  return (call) => {
    if (call.step === 'send-feedback') return feedbackAnswer(name, call);
    const msg = call.request as Message;
    const by = trail(msg, name);
    if (msg.data?.ndarray !== undefined) return ndarrayAnswer(name, by, msg.data.ndarray.map((row) => row.map(f)));
    if (msg.data?.tensor !== undefined) return { meta: { tags: { by } }, data: { tensor: { shape: msg.data.tensor.shape, values: msg.data.tensor.values.map(f) } } };
    if (msg.strData !== undefined) return { meta: { tags: { by }, metrics: [{ key: 'length', type: 'GAUGE', value: msg.strData.length }] }, strData: `${msg.strData}|${name}` };
    if (msg.jsonData !== undefined) return { meta: { tags: { by } }, jsonData: { by: name, got: msg.jsonData } };
    if (msg.binData !== undefined) return { meta: { tags: { by } }, binData: Buffer.from(msg.binData, 'base64').reverse().toString('base64') };
    throw new Error(`${name}: no payload in ${JSON.stringify(msg)}`);
  };
}

/** A router answering `{"data":{"ndarray":[[k]]}}`, k = the first number of the request. */
export function router(name: string): Behaviour {
  return (call) => {
    if (call.step === 'send-feedback') return feedbackAnswer(name, call);
    const k = (call.request as Message).data?.ndarray?.[0]?.[0];
    if (k === undefined) throw new Error(`${name}: no route in ${JSON.stringify(call.request)}`);
    return { data: { ndarray: [[k]] } };
  };
}

/** A combiner summing its inputs element-wise; `by` lists the inputs' trails in the order received. */
export function summer(name: string): Behaviour {
  return (call) => {
    const list = call.request as readonly Message[];
    const rows = list.map((m) => m.data?.ndarray ?? []);
    const first = rows[0] ?? [];
    const sum = first.map((row, i) => row.map((_, j) => rows.reduce((acc, r) => acc + (r[i]?.[j] ?? NaN), 0)));
    return ndarrayAnswer(name, `${name}(${list.map((m) => String(m.meta?.tags?.by)).join('+')})`, sum);
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios as data

export interface Exchange {
  readonly title: string;
  readonly kind: 'predict' | 'feedback';
  readonly request: unknown;
  readonly expected: unknown;
  /** `node:step` of every child call, group after group; the calls of one group may come in any order. */
  readonly calls: readonly (readonly string[])[];
}

export interface ScenarioChild {
  readonly name: string;
  readonly type: NodeType;
  readonly behaviour: Behaviour;
}

export interface Scenario {
  readonly title: string;
  /** The remote nodes, in a fixed order: the mixed modes alternate transports along it. */
  readonly children: readonly ScenarioChild[];
  readonly graph: (ep: EndpointFactory) => ScenarioNode;
  readonly exchanges: readonly Exchange[];
  /**
   * Run the mixed graph with both alternations (gRPC first and REST first), for graphs where the
   * second one reaches a path the others do not (a REST combiner given a protobuf input). Each mode
   * costs an engine start (~1 s), so the default is the gRPC-first alternation only.
   */
  readonly bothMixedOrders?: boolean;
}

export const child = (name: string, type: NodeType, behaviour: Behaviour): ScenarioChild => ({ name, type, behaviour });
export const predict = (title: string, request: unknown, expected: unknown, calls: readonly (readonly string[])[]): Exchange => ({ title, kind: 'predict', request, expected, calls });
export const feedback = (title: string, request: unknown, expected: unknown, calls: readonly (readonly string[])[]): Exchange => ({ title, kind: 'feedback', request, expected, calls });
export const ratio = (value: string): { name: string; value: string; type: string }[] => [{ name: 'ratioA', value, type: 'FLOAT' }];

// ---------------------------------------------------------------------------------------------
// The combinations

interface Mode {
  readonly title: string;
  /** Transport of the i-th child of the scenario. */
  transportOf(i: number): Transport;
}

const MODES: readonly Mode[] = [
  { title: 'REST children', transportOf: () => 'REST' },
  { title: 'gRPC children', transportOf: () => 'GRPC' },
  { title: 'mixed children, gRPC first', transportOf: (i) => (i % 2 === 0 ? 'GRPC' : 'REST') },
  { title: 'mixed children, REST first', transportOf: (i) => (i % 2 === 0 ? 'REST' : 'GRPC') },
];
const INBOUND: readonly Transport[] = ['REST', 'GRPC'];

/** The modes that differ for this scenario (with one child, "mixed" is one of the pure ones). */
function modesOf(scenario: Scenario): readonly Mode[] {
  if (scenario.children.length < 2) return MODES.slice(0, 2);
  return scenario.bothMixedOrders === true ? MODES : MODES.slice(0, 3);
}

/** `node:step` of the log, cut into the expected groups, each group sorted. */
function grouped(log: readonly StepCall[], groups: readonly (readonly string[])[]): string[][] {
  const out: string[][] = [];
  let i = 0;
  for (const g of groups) {
    out.push(log.slice(i, i + g.length).map((c) => `${c.node}:${c.step}`).sort());
    i += g.length;
  }
  if (i < log.length) out.push(log.slice(i).map((c) => `${c.node}:${c.step}`));
  return out;
}

/** What the children received, transport-neutral and order-neutral: compared across all runs. */
function received(log: readonly StepCall[]): string[] {
  return log.map((c) => `${c.node}:${c.step} ${JSON.stringify(canonical(c.request))}`).sort();
}

/** A JSON value with object keys sorted, so two equal values print the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * Registers one describe per scenario: its children (REST and gRPC servers at once), one engine per
 * mode (started concurrently), and one test per exchange × caller transport × mode.
 */
export function scenarioSuite(scenarios: readonly Scenario[]): void {
  for (const scenario of scenarios) {
    describe(scenario.title, () => {
      const log: StepCall[] = [];
      const children = new Map<string, DualChild>();
      const engines = new Map<Mode, RunningEngine>();
      const clients = new Map<Mode, SeldonGrpcClient>();
      /** The first run's child requests per exchange: every other run must match them. */
      const reference = new Map<Exchange, string[]>();
      let calls = 0;
      const transports = (mode: Mode): Map<string, Transport> => new Map(scenario.children.map((c, i) => [c.name, mode.transportOf(i)]));

      before(async () => {
        for (const c of await Promise.all(scenario.children.map((c) => startDualChild(c.name, c.type, c.behaviour, log)))) children.set(c.name, c);
        await Promise.all(modesOf(scenario).map(async (mode) => {
          const of = transports(mode);
          const ep: EndpointFactory = (name) => {
            const c = children.get(name);
            const t = of.get(name);
            if (c === undefined || t === undefined) throw new Error(`scenario ${scenario.title}: no child ${name}`);
            return c.endpoint(t);
          };
          const engine = await startEngine({ spec: { name: 'p', componentSpecs: [], graph: scenario.graph(ep) } });
          engines.set(mode, engine);
          clients.set(mode, new SeldonGrpcClient(engine.grpcPort));
        }));
      });
      after(async () => {
        for (const c of clients.values()) c.close();
        await Promise.all([...engines.values()].map((e) => e.stop()));
        await Promise.all([...children.values()].map((c) => c.close()));
      });

      for (const mode of modesOf(scenario)) {
        for (const inbound of INBOUND) {
          for (const [n, exchange] of scenario.exchanges.entries()) {
            test(`${exchange.title} [${inbound === 'GRPC' ? 'gRPC' : 'REST'} caller, ${mode.title}]`, async () => {
              const engine = engines.get(mode);
              const grpc = clients.get(mode);
              assert.ok(engine !== undefined && grpc !== undefined, 'engine did not start');
              const puid = `puid-${scenario.title.split(' ')[0]}-${n}-${++calls}`;
              log.length = 0;
              const outcome = await send(inbound, exchange.kind, { engine, grpc }, exchange.request, { 'seldon-puid': puid, 'x-scenario': 'kept' });

              assert.equal(outcome.status, inbound === 'REST' ? 200 : 0, outcome.text);
              assert.deepStrictEqual(outcome.json, exchange.expected);
              assert.equal(outcome.puid, puid);

              assert.deepStrictEqual(grouped(log, exchange.calls), exchange.calls.map((g) => [...g].sort()));
              const of = transports(mode);
              for (const call of log) {
                const t = of.get(call.node);
                assert.equal(call.transport, t, `${call.node} was called over ${call.transport}`);
                assert.equal(call.via, expectedVia(children.get(call.node)?.type ?? 'MODEL', call.step, call.transport), `${call.node}:${call.step}`);
                assert.equal(call.header('seldon-puid'), puid, `${call.node} did not get the puid`);
                assert.equal(call.header('x-scenario'), 'kept', `${call.node} did not get the caller's header/metadata`);
              }
              const seen = received(log);
              const first = reference.get(exchange);
              if (first === undefined) reference.set(exchange, seen);
              else assert.deepStrictEqual(seen, first, 'the children received other messages than in the first run');
            });
          }
        }
      }
    });
  }
}
