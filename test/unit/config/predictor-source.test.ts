import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Config } from '../../../src/config';
import { assertConfigError, fakeSource } from './fake-source';
import { DEMO_PREDICTOR_SPEC } from '../../../src/demo/graph';

function loadWith(argv: string[], env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): { config: Config; warnings: string[] } {
  const result = loadConfig(fakeSource(argv, env, files));
  if (result.kind !== 'config') throw new Error('expected a config');
  return result;
}

function load(argv: string[], env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): Config {
  return loadWith(argv, env, files).config;
}

const SPEC = {
  name: 'p1',
  graph: { name: 'm', type: 'MODEL', endpoint: { service_host: 'localhost', service_port: 9000, type: 'REST' }, children: [] },
  componentSpecs: [{ spec: { containers: [{ name: 'm', image: 'img:1' }] } }],
};
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const SDEP_ONE = `
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: iris
  namespace: models
spec:
  predictors:
    - name: main
      graph:
        name: classifier
        implementation: SKLEARN_SERVER
        children: []
`;

const SDEP_TWO = `
kind: SeldonDeployment
metadata: { name: ab }
spec:
  predictors:
    - name: main
      graph: { name: a, implementation: SIMPLE_MODEL }
    - name: canary
      graph: { name: b, implementation: SIMPLE_MODEL }
`;

test('ENGINE_PREDICTOR: base64 of the PredictorSpec JSON', () => {
  const c = load(['--sdep', 's', '--namespace', 'n', '--predictor', 'p1'], { ENGINE_PREDICTOR: b64(JSON.stringify(SPEC)) });
  assert.equal(c.graphSource, 'ENGINE_PREDICTOR');
  assert.deepEqual(c.predictorSpec, SPEC);
  assert.deepEqual([c.sdep, c.namespace, c.predictor], ['s', 'n', 'p1']);
});

test('ENGINE_PREDICTOR: line-wrapped base64 (as the base64 tool prints it) is accepted, as Go does', () => {
  const wrapped = (b64(JSON.stringify(SPEC)).match(/.{1,76}/g) ?? []).join('\n');
  assert.ok(wrapped.includes('\n'));
  assert.deepEqual(load([], { ENGINE_PREDICTOR: wrapped }).predictorSpec, SPEC);
});

test('ENGINE_PREDICTOR: the predictor name defaults to the spec name', () => {
  const c = load([], { ENGINE_PREDICTOR: b64(JSON.stringify(SPEC)) });
  assert.deepEqual([c.sdep, c.namespace, c.predictor], ['infergraph', 'default', 'p1']);
  const unnamed = load([], { ENGINE_PREDICTOR: b64(JSON.stringify({ graph: SPEC.graph })) });
  assert.equal(unnamed.predictor, 'default');
});

test('ENGINE_PREDICTOR: empty, bad base64, not JSON, not an object', () => {
  assertConfigError(() => load([], { ENGINE_PREDICTOR: '' }), 'ENGINE_PREDICTOR', 'empty');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: ':;,' }), 'ENGINE_PREDICTOR', 'base64', 'byte 0');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: `${b64('{"a":1}').slice(0, 4)}*${b64('{"a":1}').slice(4)}` }), 'ENGINE_PREDICTOR', 'base64', '"*"');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: 'abc' }), 'ENGINE_PREDICTOR', 'padding');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: 'ab=c' }), 'ENGINE_PREDICTOR', 'padding');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: b64('not json') }), 'ENGINE_PREDICTOR', 'JSON');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: b64('[1,2]') }), 'ENGINE_PREDICTOR', 'object', 'array');
  assertConfigError(() => load([], { ENGINE_PREDICTOR: b64('null') }), 'ENGINE_PREDICTOR', 'object');
});

test('no graph source at all is an error', () => {
  assertConfigError(() => load([]), 'no graph to serve: set ENGINE_PREDICTOR, pass --file <spec.yaml|json>, or --demo');
});

test('priority: --demo, then --file, then ENGINE_PREDICTOR (with a warning for the ignored one)', () => {
  const env = { ENGINE_PREDICTOR: b64(JSON.stringify(SPEC)) };
  const files = { 'p.json': JSON.stringify({ ...SPEC, name: 'from-file' }) };
  const demo = loadWith(['--demo', '--file', 'p.json'], env, files);
  assert.equal(demo.config.graphSource, '--demo');
  assert.deepEqual(demo.config.predictorSpec, DEMO_PREDICTOR_SPEC);
  assert.ok(demo.warnings.some((w) => w.includes('p.json')));
  const file = loadWith(['--file', 'p.json'], env, files);
  assert.equal(file.config.graphSource, '--file');
  assert.equal(file.config.predictor, 'from-file');
  assert.ok(file.warnings.some((w) => w.includes('ENGINE_PREDICTOR')));
});

test('--demo serves a private copy of the demo graph (the shared constant stays unfrozen inside)', () => {
  const c = load(['--demo']);
  assert.notEqual(c.predictorSpec, DEMO_PREDICTOR_SPEC);
  assert.equal(Object.isFrozen(DEMO_PREDICTOR_SPEC.graph), false);
  assert.equal(c.predictor, 'demo');
});

test('--file: a JSON PredictorSpec', () => {
  const c = load(['--file', 'spec.json'], {}, { 'spec.json': JSON.stringify(SPEC) });
  assert.equal(c.graphSource, '--file');
  assert.equal(c.file, 'spec.json');
  assert.deepEqual(c.predictorSpec, SPEC);
  assert.deepEqual([c.sdep, c.namespace, c.predictor], ['infergraph', 'default', 'p1']);
});

test('--file: a YAML PredictorSpec (.yaml, .yml, and an unknown extension)', () => {
  const yaml = 'name: p1\ngraph:\n  name: m\n  type: MODEL\n  endpoint: {service_host: localhost, service_port: 9000, type: REST}\n  children: []\ncomponentSpecs:\n  - spec:\n      containers: [{name: m, image: "img:1"}]\n';
  for (const file of ['p.yaml', 'p.yml', 'p.spec']) assert.deepEqual(load(['--file', file], {}, { [file]: yaml }).predictorSpec, SPEC, file);
  assert.deepEqual(load(['--file', 'p.txt'], {}, { 'p.txt': ` ${JSON.stringify(SPEC)}` }).predictorSpec, SPEC);
});

test('--file: a SeldonDeployment with one predictor gives the sdep name, namespace and predictor', () => {
  const c = load(['--file', 'sd.yaml'], {}, { 'sd.yaml': SDEP_ONE });
  assert.deepEqual([c.sdep, c.namespace, c.predictor], ['iris', 'models', 'main']);
  const spec = c.predictorSpec as { graph: { implementation: string } };
  assert.equal(spec.graph.implementation, 'SKLEARN_SERVER');
  assert.equal(load(['--file', 'sd.yaml'], { POD_NAMESPACE: 'pod-ns' }, { 'sd.yaml': SDEP_ONE }).namespace, 'pod-ns');
  const flagged = load(['--file', 'sd.yaml', '--sdep', 'x', '--namespace', 'y'], { POD_NAMESPACE: 'pod-ns' }, { 'sd.yaml': SDEP_ONE });
  assert.deepEqual([flagged.sdep, flagged.namespace], ['x', 'y']);
  assertConfigError(() => load(['--file', 'sd.yaml', '--predictor', 'other'], {}, { 'sd.yaml': SDEP_ONE }), 'predictor "other" not found in sd.yaml; it has: main');
});

test('--file: a SeldonDeployment with two predictors needs --predictor', () => {
  const files = { 'ab.yaml': SDEP_TWO };
  assertConfigError(() => load(['--file', 'ab.yaml'], {}, files), 'ab.yaml', 'main, canary', '--predictor');
  const c = load(['--file', 'ab.yaml', '--predictor', 'canary'], {}, files);
  assert.equal(c.predictor, 'canary');
  assert.equal((c.predictorSpec as { graph: { name: string } }).graph.name, 'b');
  assert.equal(c.sdep, 'ab');
  assertConfigError(() => load(['--file', 'ab.yaml', '--predictor', 'x'], {}, files), 'predictor "x" not found in ab.yaml; it has: main, canary');
});

test('--file: a multi-document YAML file uses its one SeldonDeployment', () => {
  const text = `apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: []}\n---\n${SDEP_ONE}`;
  assert.equal(load(['--file', 'all.yaml'], {}, { 'all.yaml': text }).sdep, 'iris');
});

test('--file: missing file, bad YAML, bad JSON and wrong shapes name the file', () => {
  assertConfigError(() => load(['--file', 'missing.yaml']), 'missing.yaml', 'ENOENT');
  assertConfigError(() => load(['--file', 'bad.yaml'], {}, { 'bad.yaml': 'graph:\n  name: [a\nother: 1\n' }), 'bad.yaml', 'YAML', 'line 3');
  assertConfigError(() => load(['--file', 'bad.json'], {}, { 'bad.json': '{"graph": ' }), 'bad.json', 'JSON');
  assertConfigError(() => load(['--file', 'e.yaml'], {}, { 'e.yaml': '# nothing\n' }), 'e.yaml', 'empty');
  assertConfigError(() => load(['--file', 's.yaml'], {}, { 's.yaml': 'just text\n' }), 's.yaml', 'SeldonDeployment or a PredictorSpec');
  assertConfigError(() => load(['--file', 'o.yaml'], {}, { 'o.yaml': 'kind: Deployment\nspec: {}\n' }), 'o.yaml', 'neither');
  assertConfigError(() => load(['--file', 'k.yaml'], {}, { 'k.yaml': 'kind: SeldonDeployment\nspec: {}\n' }), 'k.yaml', 'spec.predictors');
  assertConfigError(() => load(['--file', 'z.yaml'], {}, { 'z.yaml': 'kind: SeldonDeployment\nspec: {predictors: []}\n' }), 'z.yaml', 'no predictors');
});
