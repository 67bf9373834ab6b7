/**
 * The REST routes of the seldon protocol (section 2.4) plus the admin routes (section 2.1), as data.
 * Paths are exact, as with gorilla/mux: a trailing slash is a 404.
 */
export type RouteKind = 'predictions' | 'feedback' | 'status' | 'metadata' | 'graph-metadata' | 'readiness' | 'ready' | 'live' | 'metrics';

export interface Route {
  readonly kind: RouteKind;
  /** Methods the route answers (OPTIONS included where Seldon lists it). */
  readonly methods: readonly string[];
  /** Label `service` of the server metric; undefined: not recorded (as Seldon). */
  readonly service: 'predictions' | 'feedback' | 'status' | 'metadata' | undefined;
  /** `Allow` value. */
  readonly allow: string;
  /** `Access-Control-Allow-Methods` value, for the routes that list OPTIONS (as mux's CORSMethodMiddleware). */
  readonly corsMethods: string | undefined;
}

export interface RouteMatch {
  readonly route: Route;
  /** The `{model}` path segment, decoded, for status and metadata of one node. */
  readonly model: string;
}

const ANY = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function route(kind: RouteKind, methods: readonly string[], service: Route['service']): Route {
  const cors = methods !== ANY && methods.includes('OPTIONS');
  return Object.freeze({ kind, methods, service, allow: methods.join(', '), corsMethods: cors ? methods.join(',') : undefined });
}

const PREDICTIONS = route('predictions', ['OPTIONS', 'POST'], 'predictions');
const FEEDBACK = route('feedback', ['OPTIONS', 'POST'], 'feedback');
const STATUS = route('status', ['GET', 'OPTIONS'], 'status');
const METADATA = route('metadata', ['GET', 'OPTIONS'], 'metadata');
const GRAPH_METADATA = route('graph-metadata', ['GET', 'OPTIONS'], 'metadata');
const READINESS = route('readiness', ['GET', 'OPTIONS'], 'status');

/** Routes with a `{model}` segment: prefix to route. */
const MODEL_ROUTES: ReadonlyArray<readonly [string, Route]> = [
  ['/api/v0.1/status/', STATUS],
  ['/api/v1.0/status/', STATUS],
  ['/api/v0.1/metadata/', METADATA],
  ['/api/v1.0/metadata/', METADATA],
];

export class RouteTable {
  readonly #exact: Map<string, Route>;

  constructor(prometheusPath: string) {
    this.#exact = new Map([
      ['/api/v0.1/predictions', PREDICTIONS],
      ['/api/v1.0/predictions', PREDICTIONS],
      ['/api/v0.1/feedback', FEEDBACK],
      ['/api/v1.0/feedback', FEEDBACK],
      ['/api/v1.0/status', READINESS],
      ['/api/v1.0/health/status', READINESS],
      ['/api/v1.0/metadata', GRAPH_METADATA],
      ['/ready', route('ready', ANY, undefined)],
      ['/live', route('live', ANY, undefined)],
      [prometheusPath, route('metrics', ANY, undefined)],
    ]);
  }

  match(path: string): RouteMatch | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return { route: exact, model: '' };
    for (const [prefix, r] of MODEL_ROUTES) {
      if (!path.startsWith(prefix)) continue;
      const segment = path.slice(prefix.length);
      if (segment === '' || segment.includes('/')) return undefined;
      const model = decodeSegment(segment);
      return model === undefined ? undefined : { route: r, model };
    }
    return undefined;
  }
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The routes without a metrics path ('' is no request path): what --prometheus_path may not take. */
const ENGINE_ROUTES = new RouteTable('');

/** True when the engine serves `path` itself (API or probe), whatever the metrics path. */
export function isEngineRoute(path: string): boolean {
  return ENGINE_ROUTES.match(path) !== undefined;
}
