/**
 * The parts of Seldon's PredictorSpec the engine uses, after validation (graph/parse.ts). Field names
 * are the CRD's; note the mixed casing of the endpoint (`service_host` but `httpPort`).
 */

export const NODE_TYPES = ['UNKNOWN_TYPE', 'ROUTER', 'COMBINER', 'MODEL', 'TRANSFORMER', 'OUTPUT_TRANSFORMER'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const NODE_METHODS = ['TRANSFORM_INPUT', 'TRANSFORM_OUTPUT', 'ROUTE', 'AGGREGATE', 'SEND_FEEDBACK'] as const;
export type NodeMethod = (typeof NODE_METHODS)[number];

export const PARAMETER_TYPES = ['INT', 'FLOAT', 'DOUBLE', 'STRING', 'BOOL'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** A parameter with its value already converted to its declared type. */
export interface Parameter {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: number | string | boolean;
}

export interface Endpoint {
  readonly host: string;
  /** Port used for REST calls (`httpPort`, else `service_port` when the type is REST). */
  readonly httpPort: number;
  /** Port used for gRPC calls (`grpcPort`, else `service_port` when the type is GRPC). */
  readonly grpcPort: number;
  /** `service_port` as written (readiness of Seldon used it). */
  readonly servicePort: number;
  readonly type: 'REST' | 'GRPC';
}

export interface LoggerSpec {
  readonly url: string | undefined;
  readonly mode: 'all' | 'request' | 'response';
}

export interface NodeSpec {
  readonly name: string;
  readonly type: NodeType;
  /** 'UNKNOWN_IMPLEMENTATION', a built-in name, or a prepackaged server name. */
  readonly implementation: string;
  readonly methods: readonly NodeMethod[];
  readonly endpoint: Endpoint | undefined;
  readonly parameters: readonly Parameter[];
  readonly logger: LoggerSpec | undefined;
  readonly children: readonly NodeSpec[];
}

export interface ContainerInfo {
  readonly name: string;
  readonly image: string;
}

export interface PredictorSpec {
  readonly name: string;
  readonly graph: NodeSpec;
  /** Containers of componentSpecs, for the model_image / model_version metric labels. */
  readonly containers: readonly ContainerInfo[];
  /** `annotations.version` (Seldon's predictor_version label). */
  readonly version: string;
}

/** Prepackaged servers (SKLEARN_SERVER, TRITON_SERVER, custom ones from the operator's config map). */
export function isPrepackagedServer(implementation: string): boolean {
  return /^[A-Z][A-Z0-9_]*_SERVER$/.test(implementation);
}
