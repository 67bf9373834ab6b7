/**
 * Finds the PredictorSpec to serve: `--demo`, else `--file` (a SeldonDeployment or a PredictorSpec, in
 * YAML or JSON), else `ENGINE_PREDICTOR` (base64 of the PredictorSpec JSON, as the operator writes it).
 * Only the outer shape is checked here; the graph itself is validated by the graph module.
 */
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkPlainData } from './plain-data';
import { DEMO_PREDICTOR_SPEC } from '../demo/graph';
import type { GraphSource } from './schema';
import { ConfigError } from './flags';
import { annotationsFromObject } from './annotations';

/** What findPredictorSpec needs: the relevant flags, ENGINE_PREDICTOR and the file reader. */
export interface GraphInput {
  readonly demo: boolean;
  /** `--file` ('' when not given). */
  readonly file: string;
  /** `--predictor` ('' when not given): picks the predictor of a SeldonDeployment. */
  readonly predictor: string;
  readonly enginePredictor: string | undefined;
  readonly readFile: (path: string) => string;
}

/** The chosen PredictorSpec and what its container document says about names and annotations. */
export interface FoundPredictor {
  readonly predictorSpec: Record<string, unknown>;
  readonly graphSource: GraphSource;
  /** The SeldonDeployment's metadata.name / metadata.namespace, when the graph came from one. */
  readonly sdepName: string | undefined;
  readonly sdepNamespace: string | undefined;
  /** The SeldonDeployment's spec.annotations overlaid with the predictor's annotations (as the operator puts both on the pod). */
  readonly annotations: Record<string, string>;
  readonly warnings: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function found(spec: JsonObject, graphSource: GraphSource, origin: string, warnings: string[], sdep?: JsonObject): FoundPredictor {
  const metadata = isObject(sdep?.['metadata']) ? sdep['metadata'] : {};
  const sdepSpec = isObject(sdep?.['spec']) ? sdep['spec'] : {};
  const name = metadata['name'];
  const namespace = metadata['namespace'];
  return {
    predictorSpec: spec,
    graphSource,
    sdepName: typeof name === 'string' && name !== '' ? name : undefined,
    sdepNamespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    annotations: {
      ...annotationsFromObject(sdepSpec['annotations'], `${origin}: spec.annotations`),
      ...annotationsFromObject(spec['annotations'], `${origin}: predictor annotations`),
    },
    warnings,
  };
}

/**
 * Standard, padded base64 as the operator writes it. Strict where Buffer.from is lenient (it silently drops
 * foreign characters); CR and LF are skipped, as Go's decoder does, so a line-wrapped `base64` output works.
 */
function decodeBase64(text: string): Buffer {
  const compact = text.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(compact);
  if (bad !== null) {
    throw new ConfigError(`ENGINE_PREDICTOR is not valid base64: illegal character ${JSON.stringify(bad[0])} at byte ${bad.index}`);
  }
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new ConfigError('ENGINE_PREDICTOR is not valid base64: wrong length or padding (standard base64 with "=" padding expected)');
  }
  return Buffer.from(compact, 'base64');
}

function fromEnginePredictor(value: string, warnings: string[]): FoundPredictor {
  // Seldon carried on with no graph and crashed at the first request (quirk 15).
  if (value === '') throw new ConfigError('ENGINE_PREDICTOR is set but empty: it must hold the base64 of the PredictorSpec JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeBase64(value).toString('utf8'));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`ENGINE_PREDICTOR does not decode to JSON: ${errorText(err)}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`ENGINE_PREDICTOR must decode to a PredictorSpec JSON object, got ${describe(parsed)}`);
  checkPlainData(parsed, 'ENGINE_PREDICTOR');
  return found(parsed, 'ENGINE_PREDICTOR', 'ENGINE_PREDICTOR', warnings);
}

/** A SeldonDeployment (`kind`, or a `spec.predictors` list) rather than a PredictorSpec (`graph`). */
function isSeldonDeployment(doc: JsonObject): boolean {
  const spec = doc['spec'];
  return doc['kind'] === 'SeldonDeployment' || (isObject(spec) && Array.isArray(spec['predictors']));
}

function looksLikeGraphDocument(doc: unknown): boolean {
  return isObject(doc) && (isSeldonDeployment(doc) || 'graph' in doc);
}

/** Parses the file text: JSON for `.json` (or JSON-looking text of another extension), else YAML. */
function parseFileText(text: string, file: string): unknown {
  const where = JSON.stringify(file);
  const ext = path.extname(file).toLowerCase();
  const body = text.replace(/^\uFEFF/, '');
  if (ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && /^\s*[[{]/.test(body))) {
    try {
      return JSON.parse(body);
    } catch (err) {
      // Flow-style YAML also starts with "{": only a .json file must be strict JSON.
      if (ext === '.json') throw new ConfigError(`cannot parse --file ${where} as JSON: ${errorText(err)}`);
    }
  }
  const docs = parseAllDocuments(body);
  const values: unknown[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    // The parser's first message line names the line and column; the rest is a source excerpt.
    if (error !== undefined) throw new ConfigError(`cannot parse --file ${where} as YAML: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
    try {
      const value: unknown = doc.toJS();
      if (value !== null && value !== undefined) values.push(value);
    } catch (err) {
      throw new ConfigError(`cannot parse --file ${where} as YAML: ${errorText(err)}`);
    }
  }
  if (values.length === 0) throw new ConfigError(`--file ${where} is empty`);
  if (values.length === 1) return values[0];
  // A multi-document file (e.g. a whole kustomization): take the single graph document in it.
  const graphs = values.filter(looksLikeGraphDocument);
  if (graphs.length !== 1) throw new ConfigError(`--file ${where} holds ${values.length} YAML documents: keep only the SeldonDeployment or PredictorSpec`);
  return graphs[0];
}

function pickPredictor(sdep: JsonObject, file: string, wanted: string, warnings: string[]): FoundPredictor {
  const sdepSpec = sdep['spec'];
  const predictors = isObject(sdepSpec) ? sdepSpec['predictors'] : undefined;
  if (!Array.isArray(predictors)) throw new ConfigError(`--file ${JSON.stringify(file)}: a SeldonDeployment needs spec.predictors (a list)`);
  const names = predictors.map((p: unknown, i) => (isObject(p) && typeof p['name'] === 'string' ? p['name'] : `(unnamed #${i})`));
  let index: number;
  if (wanted !== '') {
    index = names.indexOf(wanted);
    if (index < 0) throw new ConfigError(`predictor ${JSON.stringify(wanted)} not found in ${file}; it has: ${names.join(', ') || '(none)'}`);
  } else if (predictors.length === 1) {
    index = 0;
  } else if (predictors.length === 0) {
    throw new ConfigError(`--file ${JSON.stringify(file)}: the SeldonDeployment has no predictors`);
  } else {
    throw new ConfigError(`--file ${JSON.stringify(file)} has ${predictors.length} predictors (${names.join(', ')}): choose one with --predictor`);
  }
  const chosen: unknown = predictors[index];
  if (!isObject(chosen)) throw new ConfigError(`--file ${JSON.stringify(file)}: predictor ${names[index] ?? ''} must be an object, got ${describe(chosen)}`);
  return found(chosen, '--file', file, warnings, sdep);
}

function fromFile(input: GraphInput, warnings: string[]): FoundPredictor {
  let text: string;
  try {
    text = input.readFile(input.file);
  } catch (err) {
    throw new ConfigError(`cannot read --file ${JSON.stringify(input.file)}: ${errorText(err)}`);
  }
  const doc = parseFileText(text, input.file);
  checkPlainData(doc, `--file ${JSON.stringify(input.file)}`);
  if (!isObject(doc)) throw new ConfigError(`--file ${JSON.stringify(input.file)} must hold a SeldonDeployment or a PredictorSpec object, got ${describe(doc)}`);
  if (isSeldonDeployment(doc)) return pickPredictor(doc, input.file, input.predictor, warnings);
  if ('graph' in doc) return found(doc, '--file', input.file, warnings);
  throw new ConfigError(
    `--file ${JSON.stringify(input.file)} is neither a SeldonDeployment (kind: SeldonDeployment with spec.predictors) nor a PredictorSpec (with graph)`,
  );
}

/**
 * Picks the graph: `--demo`, else `--file`, else `ENGINE_PREDICTOR`; warns about a lower-priority source
 * that is ignored. @throws ConfigError when there is no source or it is unreadable or malformed.
 */
export function findPredictorSpec(input: GraphInput): FoundPredictor {
  const warnings: string[] = [];
  const env = input.enginePredictor;
  if (input.demo) {
    if (input.file !== '') warnings.push(`--demo: ignoring --file ${input.file}`);
    else if (env !== undefined) warnings.push('--demo: ignoring ENGINE_PREDICTOR');
    // A private copy, so deep-freezing the config does not freeze the shared constant.
    const demo: JsonObject = structuredClone(DEMO_PREDICTOR_SPEC);
    return found(demo, '--demo', '--demo', warnings);
  }
  if (input.file !== '') {
    if (env !== undefined) warnings.push(`--file ${input.file}: ignoring ENGINE_PREDICTOR`);
    return fromFile(input, warnings);
  }
  if (env !== undefined) return fromEnginePredictor(env, warnings);
  throw new ConfigError('no graph to serve: set ENGINE_PREDICTOR, pass --file <spec.yaml|json>, or --demo');
}
