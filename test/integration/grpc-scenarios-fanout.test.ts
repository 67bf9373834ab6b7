/**
 * The transport contract suite (test/helpers/scenario-suite.ts), part 2: fan-out graphs — a remote
 * COMBINER, the built-in AVERAGE_COMBINER and nested RANDOM_ABTESTs with ratioA 1 and 0 — each over
 * {REST, gRPC} callers × {REST, gRPC, mixed} children with the same exact expected answers. In the
 * mixed modes a combiner gets one input in protobuf and the other in JSON.
 */
import { builtinNode, remoteNode } from '../helpers/scenario-children';
import { child, numeric, predict, ratio, scenarioSuite, summer, type Scenario } from '../helpers/scenario-suite';

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'COMBINER c -> [MODEL a, MODEL b]',
    children: [child('c', 'COMBINER', summer('c')), child('a', 'MODEL', numeric('a', (x) => x * 2)), child('b', 'MODEL', numeric('b', (x) => x * 3))],
    graph: (ep) => remoteNode(ep, 'COMBINER', 'c', [remoteNode(ep, 'MODEL', 'a'), remoteNode(ep, 'MODEL', 'b')]),
    bothMixedOrders: true,
    exchanges: [
      predict('sums the outputs, in child order', { data: { ndarray: [[1, 2], [3, 4]] } },
        { meta: { tags: { by: 'c(a+b)' } }, data: { names: ['c0', 'c1'], ndarray: [[5, 10], [15, 20]] } },
        [['a:predict', 'b:predict'], ['c:aggregate']]),
    ],
  },
  {
    title: 'AVERAGE_COMBINER avg -> [MODEL a, MODEL b]',
    children: [child('a', 'MODEL', numeric('a', (x) => x * 2)), child('b', 'MODEL', numeric('b', (x) => x * 3))],
    graph: (ep) => builtinNode('avg', 'AVERAGE_COMBINER', [remoteNode(ep, 'MODEL', 'a'), remoteNode(ep, 'MODEL', 'b')]),
    bothMixedOrders: true,
    exchanges: [
      // The mean, with the first output's names and meta.
      predict('element-wise mean', { data: { ndarray: [[1, 2]] } },
        { meta: { tags: { by: 'a' } }, data: { names: ['a0', 'a1'], ndarray: [[2.5, 5]] } }, [['a:predict', 'b:predict']]),
    ],
  },
  {
    title: 'RANDOM_ABTEST ab1 (ratioA 1) -> [RANDOM_ABTEST ab0 (ratioA 0) -> [MODEL a, MODEL b], MODEL c]',
    children: [child('a', 'MODEL', numeric('a', (x) => x * 2)), child('b', 'MODEL', numeric('b', (x) => x * 3)), child('c', 'MODEL', numeric('c', (x) => x * 5))],
    graph: (ep) => builtinNode('ab1', 'RANDOM_ABTEST', [
      builtinNode('ab0', 'RANDOM_ABTEST', [remoteNode(ep, 'MODEL', 'a'), remoteNode(ep, 'MODEL', 'b')], ratio('0')),
      remoteNode(ep, 'MODEL', 'c'),
    ], ratio('1')),
    exchanges: [
      // ratioA 1 always picks child 0, ratioA 0 always child 1.
      predict('ratioA 1 then ratioA 0', { data: { ndarray: [[1, 2]] } },
        { meta: { tags: { by: 'b' } }, data: { names: ['b0', 'b1'], ndarray: [[3, 6]] } }, [['b:predict']]),
    ],
  },
];

scenarioSuite(SCENARIOS);
