import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphError, parsePredictorSpec, type ParseOptions } from '../../../src/graph';
import { registerBuiltins, UnitRegistry } from '../../../src/units';

const builtins = registerBuiltins(new UnitRegistry());
const options: ParseOptions = {
  isBuiltin: (name) => builtins.get(name) !== undefined,
  checkBuiltin: (node) => builtins.get(node.implementation)?.check(node),
};

function problems(graph: unknown, extra: Record<string, unknown> = {}): readonly string[] {
  try {
    parsePredictorSpec({ name: 'p', graph, ...extra }, options);
  } catch (err) {
    assert.ok(err instanceof GraphError);
    return err.problems;
  }
  assert.fail('expected a GraphError');
}

const ep = { service_host: 'h', httpPort: 9000, type: 'REST' };

test('an untyped node without implementation becomes a MODEL (operator defaulting)', () => {
  const spec = parsePredictorSpec({ name: 'p', graph: { name: 'm', endpoint: ep } }, options);
  assert.equal(spec.graph.type, 'MODEL');
  assert.deepEqual(spec.graph.endpoint, { host: 'h', httpPort: 9000, grpcPort: 0, servicePort: 0, type: 'REST' });
});

test('built-ins keep no type; prepackaged servers become MODELs', () => {
  const spec = parsePredictorSpec({ name: 'p', graph: { name: 'ab', implementation: 'RANDOM_ABTEST', children: [
    { name: 'a', implementation: 'SIMPLE_MODEL' }, { name: 'b', implementation: 'SKLEARN_SERVER', endpoint: ep },
  ] } }, options);
  assert.equal(spec.graph.type, 'UNKNOWN_TYPE');
  assert.equal(spec.graph.children[0]?.type, 'UNKNOWN_TYPE');
  assert.equal(spec.graph.children[1]?.type, 'MODEL');
});

test('a node with a container and no endpoint gets localhost and the operator port numbering', () => {
  const spec = parsePredictorSpec({
    name: 'p',
    componentSpecs: [{ spec: { containers: [{ name: 'other', image: 'x' }, { name: 'b', image: 'b:1' }, { name: 'a', image: 'a:2' }] } }],
    graph: { name: 'a', type: 'MODEL', children: [{ name: 'b', type: 'MODEL' }] },
  }, options);
  assert.equal(spec.graph.endpoint?.httpPort, 9001);
  assert.equal(spec.graph.endpoint?.grpcPort, 9501);
  assert.equal(spec.graph.children[0]?.endpoint?.httpPort, 9000);
  assert.equal(spec.graph.endpoint?.host, 'localhost');
  assert.deepEqual(spec.containers, [{ name: 'other', image: 'x' }, { name: 'b', image: 'b:1' }, { name: 'a', image: 'a:2' }]);
});

test('service_port stands in for httpPort on a REST endpoint', () => {
  const spec = parsePredictorSpec({ name: 'p', graph: { name: 'm', type: 'MODEL', endpoint: { service_host: 'h', service_port: 7000 } } }, options);
  assert.equal(spec.graph.endpoint?.httpPort, 7000);
});

test('parameters are converted to their declared types once', () => {
  const spec = parsePredictorSpec({ name: 'p', graph: { name: 'm', type: 'MODEL', endpoint: ep, parameters: [
    { name: 'i', value: '42', type: 'INT' }, { name: 'f', value: '0.25', type: 'FLOAT' }, { name: 'b', value: 'true', type: 'BOOL' }, { name: 's', value: 'x', type: 'STRING' },
  ] } }, options);
  assert.deepEqual(spec.graph.parameters.map((p) => p.value), [42, 0.25, true, 'x']);
});

test('every problem is reported at once, each naming its node', () => {
  const found = problems({
    name: 'root', type: 'ROUTER', endpoint: ep, children: [
      { name: 'dup', type: 'WIZARD', endpoint: ep },
      { name: 'dup', type: 'MODEL', endpoint: ep, methods: ['FLY'] },
      { name: 'comb', type: 'COMBINER', endpoint: ep },
      { name: 'nop', type: 'MODEL' },
      { name: 'ab', implementation: 'RANDOM_ABTEST', parameters: [{ name: 'ratioA', value: '2', type: 'FLOAT' }], children: [{ name: 'only', implementation: 'SIMPLE_MODEL' }] },
      { name: 'impl', implementation: 'MAGIC', endpoint: ep },
      { name: 'param', type: 'MODEL', endpoint: ep, parameters: [{ name: 'n', value: 'abc', type: 'INT' }] },
      { name: 'port', type: 'MODEL', endpoint: { service_host: 'h', httpPort: 70000 } },
      { name: 'router2', type: 'ROUTER', endpoint: ep },
    ],
  });
  const expect = [
    /node "dup": unknown type "WIZARD"/,
    /node "dup": unknown method "FLY"/,
    /node "dup": the name is used by 2 nodes/,
    /node "comb": a COMBINER needs at least one child/,
    /node "nop": a MODEL calls a model server but has no "endpoint"/,
    /node "ab" \(RANDOM_ABTEST\): .*2 children/,
    /node "ab" \(RANDOM_ABTEST\): .*ratioA/,
    /node "impl": unknown implementation "MAGIC"/,
    /node "param": parameter "n" value "abc" is not a valid INT/,
    /node "port": endpoint.httpPort 70000 is not a port number/,
    /node "router2": a ROUTER needs at least one child/,
  ];
  for (const re of expect) assert.ok(found.some((p) => re.test(p)), `missing ${re}; got:\n${found.join('\n')}`);
});

test('a spec that is not an object, or has no graph, is refused', () => {
  assert.throws(() => parsePredictorSpec('x', options), /not a JSON object/);
  assert.throws(() => parsePredictorSpec({ name: 'p' }, options), /no "graph"/);
});

test('service_host must be a host name or an IP address: a URL, a path or a bracketed IPv6 is refused at load', () => {
  for (const host of ['model', 'model-a.ns.svc.cluster.local', 'my_model', '10.0.0.7', '::1', 'fe80::1']) {
    const spec = parsePredictorSpec({ name: 'p', graph: { name: 'm', type: 'MODEL', endpoint: { service_host: host, httpPort: 9000 } } }, options);
    assert.equal(spec.graph.endpoint?.host, host);
  }
  for (const host of ['http://x y/z?q#', '[::1', '[::1]', 'a/b', 'a b', 'host:9000', '-x', 'a..b']) {
    assert.deepEqual(
      problems({ name: 'm', type: 'MODEL', endpoint: { service_host: host, httpPort: 9000 } }),
      [`node "m": endpoint.service_host ${JSON.stringify(host)} is not a host name or IP address (no scheme, port or path)`],
      host,
    );
  }
});
