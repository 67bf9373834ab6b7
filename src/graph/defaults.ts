import { isPrepackagedServer, type ContainerInfo } from './spec';

/** What the defaulting needs to know beyond the graph itself. */
export interface DefaultingInfo {
  readonly containers: readonly ContainerInfo[];
  readonly isBuiltin: (implementation: string) => boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Seldon's operator numbers container ports from these bases (section 1.4). */
const HTTP_PORT_BASE = 9000;
const GRPC_PORT_BASE = 9500;

/**
 * Returns a copy of the raw graph with the Seldon operator's defaulting applied (section 1.4), so a
 * hand-written `--file` graph behaves as it would once deployed (Seldon's `--file` skipped this, quirk 2):
 * - a node with no type, no methods and no implementation becomes a MODEL; a prepackaged server
 *   implementation (`SKLEARN_SERVER`, ...) also becomes a MODEL; built-ins keep no type;
 * - a node that calls a model server and has no endpoint gets `localhost` with the operator's port
 *   numbering (9000+k for REST, 9500+k for gRPC, k counting the containers that are graph nodes, in
 *   componentSpecs order, then prepackaged servers without a container, in graph order).
 * Leaves malformed parts untouched: the parser reports them.
 */
export function applyOperatorDefaults(graph: unknown, info: DefaultingInfo): unknown {
  const typed = defaultTypes(graph, info);
  const portIndex = numberPorts(typed, info);
  return defaultEndpoints(typed, info, portIndex);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function defaultTypes(raw: unknown, info: DefaultingInfo): unknown {
  if (!isObject(raw)) return raw;
  const node: Json = { ...raw };
  const impl = isBlank(node.implementation) ? 'UNKNOWN_IMPLEMENTATION' : node.implementation;
  const untyped = isBlank(node.type) || node.type === 'UNKNOWN_TYPE';
  const noMethods = !Array.isArray(node.methods) || node.methods.length === 0;
  if (untyped && typeof impl === 'string') {
    if (impl === 'UNKNOWN_IMPLEMENTATION' && noMethods) node.type = 'MODEL';
    else if (impl !== 'UNKNOWN_IMPLEMENTATION' && !info.isBuiltin(impl)) node.type = 'MODEL';
  }
  if (Array.isArray(node.children)) node.children = node.children.map((c: unknown) => defaultTypes(c, info));
  return node;
}

function needsServer(node: Json, info: DefaultingInfo): boolean {
  if (typeof node.implementation === 'string' && info.isBuiltin(node.implementation)) return false;
  const typed = !isBlank(node.type) && node.type !== 'UNKNOWN_TYPE';
  return typed || (Array.isArray(node.methods) && node.methods.length > 0);
}

function walk(raw: unknown, visit: (node: Json) => void): void {
  if (!isObject(raw)) return;
  visit(raw);
  if (Array.isArray(raw.children)) for (const c of raw.children) walk(c, visit);
}

function numberPorts(graph: unknown, info: DefaultingInfo): Map<string, number> {
  const serverNodes: string[] = [];
  walk(graph, (n) => {
    if (typeof n.name === 'string' && needsServer(n, info)) serverNodes.push(n.name);
  });
  const index = new Map<string, number>();
  for (const c of info.containers) if (serverNodes.includes(c.name) && !index.has(c.name)) index.set(c.name, index.size);
  walk(graph, (n) => {
    const prepackaged = typeof n.implementation === 'string' && isPrepackagedServer(n.implementation);
    if (typeof n.name === 'string' && prepackaged && !index.has(n.name) && needsServer(n, info)) index.set(n.name, index.size);
  });
  return index;
}

function defaultEndpoints(raw: unknown, info: DefaultingInfo, portIndex: Map<string, number>): unknown {
  if (!isObject(raw)) return raw;
  const node: Json = { ...raw };
  const k = typeof node.name === 'string' ? portIndex.get(node.name) : undefined;
  if (k !== undefined && needsServer(node, info)) {
    if (node.endpoint === undefined || node.endpoint === null) {
      node.endpoint = { service_host: 'localhost', httpPort: HTTP_PORT_BASE + k, grpcPort: GRPC_PORT_BASE + k, type: 'REST' };
    } else if (isObject(node.endpoint) && isBlank(node.endpoint.httpPort) && isBlank(node.endpoint.grpcPort) && isBlank(node.endpoint.service_port)) {
      node.endpoint = { ...node.endpoint, httpPort: HTTP_PORT_BASE + k, grpcPort: GRPC_PORT_BASE + k };
    }
  }
  if (Array.isArray(node.children)) node.children = node.children.map((c: unknown) => defaultEndpoints(c, info, portIndex));
  return node;
}
