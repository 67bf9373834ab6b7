/**
 * Pod annotations: the downward-API file (`/etc/podinfo/annotations`, reference 1.6), the annotation maps
 * of a SeldonDeployment / PredictorSpec, and the three keys the executor honours (reference section 10).
 * Unlike Seldon, one odd line costs only that line (quirk 14).
 */
import { DEFAULT_GRPC_MAX_MESSAGE_SIZE, type Annotations } from './schema';
import { ConfigError } from './flags';

export const ANNOTATION_REST_TIMEOUT = 'seldon.io/rest-timeout';
export const ANNOTATION_GRPC_TIMEOUT = 'seldon.io/grpc-timeout';
export const ANNOTATION_GRPC_MAX_MESSAGE_SIZE = 'seldon.io/grpc-max-message-size';

/** The key/value pairs of an annotations file, and a warning per skipped line. */
export interface AnnotationsFileContent {
  readonly values: Record<string, string>;
  readonly warnings: string[];
}

/**
 * Undoes the downward API's Go `%q` quoting. JSON string syntax covers what %q emits for real annotation
 * values (\" \\ \n \t \uXXXX); anything JSON rejects (e.g. Go's \x00) falls back to Seldon's behaviour:
 * strip one leading and one trailing quote.
 */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // not JSON-compatible: fall through to the plain strip
    }
  }
  let result = text;
  if (result.startsWith('"')) result = result.slice(1);
  if (result.endsWith('"')) result = result.slice(0, -1);
  return result;
}

/**
 * Parses the annotations file text: one `key="value"` per line, split at the FIRST `=` so a value that
 * contains `=` is kept whole. Blank lines are skipped silently; a line without `=` (or with an empty key)
 * is skipped with a warning naming `fileName` and the line number. Later lines win on duplicate keys.
 */
export function parseAnnotationsFile(text: string, fileName: string): AnnotationsFileContent {
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? '' : unquote(line.slice(0, eq).trim());
    if (key === '') {
      warnings.push(`annotations file ${fileName} line ${index + 1}: not key="value", skipped: ${JSON.stringify(line)}`);
      return;
    }
    values[key] = unquote(line.slice(eq + 1).trim());
  });
  return { values, warnings };
}

/**
 * Reads an `annotations` map from a SeldonDeployment or PredictorSpec (`origin` names it in errors).
 * Absent or null gives no annotations. Kubernetes requires string values; numbers and booleans written
 * unquoted in a hand-made YAML file are accepted as their text, since that is what the author meant.
 */
export function annotationsFromObject(value: unknown, origin: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${origin} must be a map of strings`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') result[key] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') result[key] = String(item);
    else throw new ConfigError(`${origin}[${JSON.stringify(key)}] must be a string, got ${JSON.stringify(item) ?? typeof item}`);
  }
  return result;
}

/** Go's strconv.Atoi on a decimal string, limited to JS safe integers; undefined when not an integer. */
function parseInteger(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A timeout annotation in ms: absent or <= 0 means "not set" (Seldon's rule); not an integer is an error. */
function timeoutMs(all: Readonly<Record<string, string>>, key: string): number | undefined {
  const raw = all[key];
  if (raw === undefined) return undefined;
  const value = parseInteger(raw);
  if (value === undefined) throw ConfigError.invalid(`annotation ${key}`, raw, 'not an integer number of milliseconds');
  return value > 0 ? value : undefined;
}

/**
 * Interprets the merged annotations. A non-integer `seldon.io/rest-timeout` or `seldon.io/grpc-max-message-size`
 * is fatal, as in Seldon. A non-integer `seldon.io/grpc-timeout` is fatal too, although Seldon silently ignored
 * it (quirk 14): a typo in a timeout should not go unnoticed.
 */
export function interpretAnnotations(all: Readonly<Record<string, string>>): Annotations {
  let grpcMaxMessageSize = DEFAULT_GRPC_MAX_MESSAGE_SIZE;
  const rawSize = all[ANNOTATION_GRPC_MAX_MESSAGE_SIZE];
  if (rawSize !== undefined) {
    const size = parseInteger(rawSize);
    if (size === undefined || size <= 0) {
      throw ConfigError.invalid(`annotation ${ANNOTATION_GRPC_MAX_MESSAGE_SIZE}`, rawSize, 'not a positive integer number of bytes');
    }
    grpcMaxMessageSize = size;
  }
  return {
    restTimeoutMs: timeoutMs(all, ANNOTATION_REST_TIMEOUT),
    grpcTimeoutMs: timeoutMs(all, ANNOTATION_GRPC_TIMEOUT),
    grpcMaxMessageSize,
    all: { ...all },
  };
}
