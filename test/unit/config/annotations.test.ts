import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_GRPC_MAX_MESSAGE_SIZE, loadConfig, type ConfigSource, type LoadResult } from '../../../src/config';
import { parseAnnotationsFile } from '../../../src/config/annotations';

const FILE = '/etc/podinfo/annotations';

function source(argv: string[], files: Record<string, string> = {}, env: Record<string, string | undefined> = {}): ConfigSource {
  return {
    argv,
    env,
    readFile(path: string): string {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

function loadWith(argv: string[], files: Record<string, string> = {}): Extract<LoadResult, { kind: 'config' }> {
  const result = loadConfig(source(argv, files));
  if (result.kind !== 'config') throw new Error('expected a config');
  return result;
}

/** Loads the demo graph with this annotations file text. */
function withFile(text: string): Extract<LoadResult, { kind: 'config' }> {
  return loadWith(['--demo'], { [FILE]: text });
}

function assertConfigError(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`);
    return true;
  });
}

test('parseAnnotationsFile: quoted and plain keys and values, split at the first "="', () => {
  const text = [
    'a=b',
    '"c"="d"',
    'kubernetes.io/config.seen="2024-01-01T00:00:00Z"',
    'seldon.io/svc="x=y=z"',
    'quoted="say \\"hi\\"\\nbye"',
    'goescape="\\x41"',
    'empty=""',
    '',
    '   ',
  ].join('\n');
  const { values, warnings } = parseAnnotationsFile(text, FILE);
  assert.deepEqual(values, {
    a: 'b',
    c: 'd',
    'kubernetes.io/config.seen': '2024-01-01T00:00:00Z',
    'seldon.io/svc': 'x=y=z',
    quoted: 'say "hi"\nbye',
    goescape: '\\x41', // not JSON: Seldon's plain strip of the quotes
    empty: '',
  });
  assert.deepEqual(warnings, []);
});

test('parseAnnotationsFile: CRLF lines, later duplicates win, a line without "=" is skipped with a warning', () => {
  const { values, warnings } = parseAnnotationsFile('a="1"\r\nbroken line\r\n="no key"\r\na="2"\r\n', FILE);
  assert.deepEqual(values, { a: '2' });
  assert.equal(warnings.length, 2);
  assert.ok(warnings[0]?.includes('line 2') && warnings[0].includes(FILE) && warnings[0].includes('broken line'), warnings[0]);
  assert.ok(warnings[1]?.includes('line 3'), warnings[1]);
});

test('the three Seldon annotations are parsed, and `all` keeps every key', () => {
  const { config, warnings } = withFile(
    'seldon.io/rest-timeout="5000"\nseldon.io/grpc-timeout="3000"\nseldon.io/grpc-max-message-size="1048576"\nprometheus.io/scrape="true"\n',
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.annotations.restTimeoutMs, 5000);
  assert.equal(config.annotations.grpcTimeoutMs, 3000);
  assert.equal(config.annotations.grpcMaxMessageSize, 1048576);
  assert.equal(config.annotations.all['prometheus.io/scrape'], 'true');
  assert.equal(Object.keys(config.annotations.all).length, 4);
});

test('a value containing "=" does not disable the other annotations (fixes Seldon quirk 14)', () => {
  const { config } = withFile('seldon.io/engine-env="A=B"\nseldon.io/rest-timeout="2500"\n');
  assert.equal(config.annotations.restTimeoutMs, 2500);
  assert.equal(config.annotations.all['seldon.io/engine-env'], 'A=B');
});

test('a bad line is skipped with a warning returned by loadConfig; the rest still applies', () => {
  const { config, warnings } = withFile('garbage\nseldon.io/rest-timeout="700"\n');
  assert.equal(config.annotations.restTimeoutMs, 700);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]?.includes('line 1'));
});

test('missing file: no annotations and no error; defaults apply', () => {
  const { config, warnings } = loadWith(['--demo']);
  assert.deepEqual(config.annotations, { restTimeoutMs: undefined, grpcTimeoutMs: undefined, grpcMaxMessageSize: DEFAULT_GRPC_MAX_MESSAGE_SIZE, all: {} });
  assert.deepEqual(warnings, []);
  assert.equal(loadWith(['--demo', '--annotations_file', '']).config.annotationsFile, '');
});

test('--annotations_file picks another file; an unreadable (not missing) file is an error', () => {
  assert.equal(loadWith(['--demo', '--annotations_file=/tmp/a'], { '/tmp/a': 'seldon.io/rest-timeout="9"' }).config.annotations.restTimeoutMs, 9);
  const denied: ConfigSource = {
    argv: ['--demo'],
    env: {},
    readFile(path: string): string {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    },
  };
  assertConfigError(() => loadConfig(denied), '--annotations_file', FILE, 'EACCES');
});

test('timeouts: 0 or negative mean "not set"; a non-integer is an error naming the annotation and value', () => {
  assert.equal(withFile('seldon.io/rest-timeout="0"').config.annotations.restTimeoutMs, undefined);
  assert.equal(withFile('seldon.io/rest-timeout="-5"').config.annotations.restTimeoutMs, undefined);
  assert.equal(withFile('seldon.io/grpc-timeout="0"').config.annotations.grpcTimeoutMs, undefined);
  assertConfigError(() => withFile('seldon.io/rest-timeout="abc"'), 'seldon.io/rest-timeout', '"abc"');
  assertConfigError(() => withFile('seldon.io/rest-timeout="1.5"'), 'seldon.io/rest-timeout', '"1.5"');
  assertConfigError(() => withFile('seldon.io/rest-timeout=""'), 'seldon.io/rest-timeout', '""');
  assertConfigError(() => withFile('seldon.io/grpc-timeout="10s"'), 'seldon.io/grpc-timeout', '"10s"');
});

test('grpc-max-message-size must be a positive integer', () => {
  assertConfigError(() => withFile('seldon.io/grpc-max-message-size="0"'), 'seldon.io/grpc-max-message-size', '"0"');
  assertConfigError(() => withFile('seldon.io/grpc-max-message-size="4MB"'), 'seldon.io/grpc-max-message-size', '"4MB"');
});

const SDEP = `
kind: SeldonDeployment
metadata: {name: s}
spec:
  annotations:
    seldon.io/rest-timeout: "1000"
    seldon.io/grpc-timeout: 1500
    a: sdep
    b: sdep
  predictors:
    - name: p
      annotations:
        seldon.io/rest-timeout: "2000"
        b: predictor
      graph: {name: m, implementation: SIMPLE_MODEL}
`;

test('precedence: the annotations file over the predictor over the SeldonDeployment', () => {
  const fromSpecs = loadWith(['--file', 'sd.yaml'], { 'sd.yaml': SDEP }).config.annotations;
  assert.equal(fromSpecs.restTimeoutMs, 2000);
  assert.equal(fromSpecs.grpcTimeoutMs, 1500); // an unquoted YAML number is taken as its text
  assert.equal(fromSpecs.all['a'], 'sdep');
  assert.equal(fromSpecs.all['b'], 'predictor');
  const withPod = loadWith(['--file', 'sd.yaml'], { 'sd.yaml': SDEP, [FILE]: 'seldon.io/rest-timeout="3000"\nb="pod"' }).config.annotations;
  assert.equal(withPod.restTimeoutMs, 3000);
  assert.equal(withPod.all['b'], 'pod');
  assert.equal(withPod.all['a'], 'sdep');
});

test('annotations in a spec must be a map of strings', () => {
  const bad = 'name: p\nannotations: [1]\ngraph: {name: m}\n';
  assertConfigError(() => loadWith(['--file', 'p.yaml'], { 'p.yaml': bad }), 'p.yaml', 'annotations');
  const nested = 'name: p\nannotations: {x: {y: 1}}\ngraph: {name: m}\n';
  assertConfigError(() => loadWith(['--file', 'p.yaml'], { 'p.yaml': nested }), 'p.yaml', '"x"');
});
