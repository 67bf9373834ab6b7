import { isIP } from 'node:net';
import {
  NODE_METHODS, NODE_TYPES, PARAMETER_TYPES,
  type ContainerInfo, type Endpoint, type LoggerSpec, type NodeMethod, type NodeSpec, type NodeType,
  type Parameter, type ParameterType, type PredictorSpec, isPrepackagedServer,
} from './spec';
import { applyOperatorDefaults, type DefaultingInfo } from './defaults';

/** Graph problems found at load, all of them, each naming its node. */
export class GraphError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid graph (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'GraphError';
    this.problems = problems;
  }
}

/** Node-level checks a caller adds (built-in child counts and parameters), by implementation name. */
export type ImplementationCheck = (node: NodeSpec) => string[] | undefined;

export interface ParseOptions {
  /** Returns problems for a built-in implementation, or undefined when the name is not a built-in. */
  readonly checkBuiltin: ImplementationCheck;
  /** Is this implementation name a built-in? */
  readonly isBuiltin: (implementation: string) => boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns the PredictorSpec JSON into a validated PredictorSpec, after applying the operator's
 * defaulting (section 1.4) so that hand-written graphs work. Throws GraphError listing every problem.
 */
export function parsePredictorSpec(raw: unknown, options: ParseOptions): PredictorSpec {
  const problems: string[] = [];
  if (!isObject(raw)) throw new GraphError(['the PredictorSpec is not a JSON object']);
  if (!isObject(raw.graph)) throw new GraphError(['the PredictorSpec has no "graph" object']);
  const containers = readContainers(raw.componentSpecs);
  const annotations = isObject(raw.annotations) ? raw.annotations : {};
  const info: DefaultingInfo = { containers, isBuiltin: options.isBuiltin };
  const defaulted = applyOperatorDefaults(raw.graph, info);

  const seen = new Map<string, number>();
  const graph = readNode(defaulted, 'graph', problems, seen);
  for (const [name, count] of seen) if (count > 1) problems.push(`node "${name}": the name is used by ${count} nodes; node names must be unique`);
  if (graph !== undefined) checkTree(graph, options, problems);
  if (problems.length > 0 || graph === undefined) throw new GraphError(problems);
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    graph,
    containers,
    version: typeof annotations.version === 'string' ? annotations.version : '',
  };
}

function readContainers(componentSpecs: unknown): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  if (!Array.isArray(componentSpecs)) return out;
  for (const cs of componentSpecs) {
    const containers = isObject(cs) && isObject(cs.spec) && Array.isArray(cs.spec.containers) ? cs.spec.containers : [];
    for (const c of containers) {
      if (isObject(c) && typeof c.name === 'string') out.push({ name: c.name, image: typeof c.image === 'string' ? c.image : '' });
    }
  }
  return out;
}

function readNode(raw: unknown, where: string, problems: string[], seen: Map<string, number>): NodeSpec | undefined {
  if (!isObject(raw)) {
    problems.push(`${where}: a node must be a JSON object`);
    return undefined;
  }
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  if (name === undefined || name === '') problems.push(`${where}: the node has no "name"`);
  const label = `node "${name ?? where}"`;
  if (name !== undefined && name !== '') seen.set(name, (seen.get(name) ?? 0) + 1);

  const type = readEnum<NodeType>(raw.type, NODE_TYPES, 'UNKNOWN_TYPE', `${label}: unknown type`, problems);
  const implementation = raw.implementation === undefined || raw.implementation === null ? 'UNKNOWN_IMPLEMENTATION' : raw.implementation;
  if (typeof implementation !== 'string') problems.push(`${label}: "implementation" must be a string`);
  const methods: NodeMethod[] = [];
  if (raw.methods !== undefined && raw.methods !== null) {
    if (!Array.isArray(raw.methods)) problems.push(`${label}: "methods" must be a list`);
    else for (const m of raw.methods) {
      const method = readEnum<NodeMethod>(m, NODE_METHODS, undefined, `${label}: unknown method`, problems);
      if (method !== undefined) methods.push(method);
    }
  }
  const children: NodeSpec[] = [];
  if (raw.children !== undefined && raw.children !== null) {
    if (!Array.isArray(raw.children)) problems.push(`${label}: "children" must be a list`);
    else raw.children.forEach((c: unknown, i: number) => {
      const child = readNode(c, `${where}.children[${i}]`, problems, seen);
      if (child !== undefined) children.push(child);
    });
  }
  return {
    name: name ?? '',
    type: type ?? 'UNKNOWN_TYPE',
    implementation: typeof implementation === 'string' ? implementation : 'UNKNOWN_IMPLEMENTATION',
    methods,
    endpoint: readEndpoint(raw.endpoint, label, problems),
    parameters: readParameters(raw.parameters, label, problems),
    logger: readLogger(raw.logger, label, problems),
    children,
  };
}

function readEnum<T extends string>(value: unknown, allowed: readonly T[], fallback: T | undefined, message: string, problems: string[]): T | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${message} ${JSON.stringify(value)} (expected one of ${allowed.join(', ')})`);
  return fallback;
}

function readPort(value: unknown, field: string, label: string, problems: string[]): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  problems.push(`${label}: endpoint.${field} ${JSON.stringify(value)} is not a port number (0..65535)`);
  return 0;
}

function readEndpoint(raw: unknown, label: string, problems: string[]): Endpoint | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.push(`${label}: "endpoint" must be an object`);
    return undefined;
  }
  const type = readEnum<'REST' | 'GRPC'>(raw.type, ['REST', 'GRPC'], 'REST', `${label}: unknown endpoint.type`, problems) ?? 'REST';
  const host = raw.service_host ?? 'localhost';
  if (typeof host !== 'string' || host === '') problems.push(`${label}: endpoint.service_host must be a non-empty string`);
  else if (!isHost(host)) problems.push(`${label}: endpoint.service_host ${JSON.stringify(host)} is not a host name or IP address (no scheme, port or path)`);
  const servicePort = readPort(raw.service_port, 'service_port', label, problems);
  const httpPort = readPort(raw.httpPort, 'httpPort', label, problems) || (type === 'REST' ? servicePort : 0);
  const grpcPort = readPort(raw.grpcPort, 'grpcPort', label, problems) || (type === 'GRPC' ? servicePort : 0);
  return { host: typeof host === 'string' ? host : '', httpPort, grpcPort, servicePort, type };
}

function readParameters(raw: unknown, label: string, problems: string[]): Parameter[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${label}: "parameters" must be a list`);
    return [];
  }
  const out: Parameter[] = [];
  raw.forEach((p: unknown, i: number) => {
    if (!isObject(p) || typeof p.name !== 'string' || p.name === '') {
      problems.push(`${label}: parameters[${i}] needs a "name"`);
      return;
    }
    const type = readEnum<ParameterType>(p.type ?? 'STRING', PARAMETER_TYPES, undefined, `${label}: parameter "${p.name}" has unknown type`, problems);
    if (type === undefined) return;
    const value = convertParameter(p.value, type);
    if (value === undefined) problems.push(`${label}: parameter "${p.name}" value ${JSON.stringify(p.value)} is not a valid ${type}`);
    else out.push({ name: p.name, type, value });
  });
  return out;
}

function convertParameter(value: unknown, type: ParameterType): number | string | boolean | undefined {
  const text = typeof value === 'string' ? value.trim() : value;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    case 'BOOL':
      if (typeof text === 'boolean') return text;
      return text === 'true' || text === 'True' || text === 'TRUE' ? true : text === 'false' || text === 'False' || text === 'FALSE' ? false : undefined;
    case 'INT': {
      const n = typeof text === 'string' && /^[-+]?\d+$/.test(text) ? Number(text) : text;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const n = typeof text === 'string' && text !== '' ? Number(text) : text;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
  }
}

function readLogger(raw: unknown, label: string, problems: string[]): LoggerSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.push(`${label}: "logger" must be an object`);
    return undefined;
  }
  const mode = readEnum<'all' | 'request' | 'response'>(raw.mode, ['all', 'request', 'response'], 'all', `${label}: unknown logger.mode`, problems) ?? 'all';
  if (raw.url !== undefined && raw.url !== null && typeof raw.url !== 'string') problems.push(`${label}: logger.url must be a string`);
  return { mode, url: typeof raw.url === 'string' && raw.url !== '' ? raw.url : undefined };
}

/** Checks that need the whole node: child counts, endpoints, built-in parameters. */
function checkTree(node: NodeSpec, options: ParseOptions, problems: string[]): void {
  const label = `node "${node.name}"`;
  const builtin = options.isBuiltin(node.implementation);
  if (builtin) {
    for (const p of options.checkBuiltin(node) ?? []) problems.push(`${label} (${node.implementation}): ${p}`);
  } else {
    if ((node.type === 'ROUTER' || node.methods.includes('ROUTE')) && node.children.length === 0) problems.push(`${label}: a ROUTER needs at least one child`);
    if ((node.type === 'COMBINER' || node.methods.includes('AGGREGATE')) && node.children.length === 0) problems.push(`${label}: a COMBINER needs at least one child`);
    if (node.implementation !== 'UNKNOWN_IMPLEMENTATION' && !isPrepackagedServer(node.implementation)) {
      problems.push(`${label}: unknown implementation "${node.implementation}" (built-ins: ${BUILTIN_HINT}; prepackaged servers end in _SERVER)`);
    }
    if (callsChildServer(node)) checkEndpoint(node, label, problems);
  }
  for (const child of node.children) checkTree(child, options, problems);
}

const BUILTIN_HINT = 'SIMPLE_MODEL, SIMPLE_ROUTER, RANDOM_ABTEST, AVERAGE_COMBINER';

/** Does this (non-built-in) node call a child server for any step? */
export function callsChildServer(node: NodeSpec): boolean {
  return node.type !== 'UNKNOWN_TYPE' || node.methods.length > 0;
}

function checkEndpoint(node: NodeSpec, label: string, problems: string[]): void {
  const ep = node.endpoint;
  if (ep === undefined) {
    problems.push(`${label}: a ${node.type === 'UNKNOWN_TYPE' ? 'node with methods' : node.type} calls a model server but has no "endpoint" (and no container of that name in componentSpecs)`);
    return;
  }
  const port = ep.type === 'REST' ? ep.httpPort : ep.grpcPort;
  const alreadyReported = problems.some((p) => p.startsWith(`${label}: endpoint.`));
  if (port === 0 && !alreadyReported) problems.push(`${label}: endpoint of type ${ep.type} has no ${ep.type === 'REST' ? 'httpPort' : 'grpcPort'} (or service_port)`);
}

/** A DNS name (letters, digits, `-`, `_`, dots) or an IPv4/IPv6 address (IPv6 without brackets). */
function isHost(host: string): boolean {
  return isIP(host) !== 0 || /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(host);
}
