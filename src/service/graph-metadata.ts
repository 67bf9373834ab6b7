import { blameChild, engineError } from '../errors';
import type { PlanNode } from '../graph/plan';
import type { CallContext } from '../graph/unit';
import { Payload } from '../message/payload';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Metadata answered for a built-in node, which has no model server to ask. */
export function builtinMetadata(node: PlanNode): Payload {
  return Payload.fromJson({ name: node.name, platform: 'infergraph-builtin', versions: [node.spec.implementation], inputs: [], outputs: [] });
}

/** A node's metadata: its model server's `/metadata`, or the built-in description. */
export function nodeMetadata(node: PlanNode, ctx: CallContext): Promise<Payload> {
  return node.unit.metadata === undefined ? Promise.resolve(builtinMetadata(node)) : node.unit.metadata(ctx);
}

/**
 * Graph metadata (section 4.9): every node's metadata, and the graph's inputs and outputs taken from
 * its edge nodes. Node metadata is fetched concurrently; any failure fails the whole answer.
 */
export async function graphMetadata(predictorName: string, root: PlanNode, nodes: Iterable<PlanNode>, ctx: CallContext): Promise<Payload> {
  const list = [...nodes];
  const answers = await Promise.all(list.map((n) => nodeMetadata(n, ctx)));
  const models = new Map<string, Json>();
  list.forEach((n, i) => {
    const answer = answers[i] as Payload;
    let body: unknown;
    try {
      body = answer.json(`metadata of node "${n.name}"`);
    } catch (err) {
      throw blameChild(err, answer.origin, 'the engine cannot read as metadata');
    }
    if (!isObject(body)) throw engineError('CHILD_BAD_RESPONSE', `metadata of node "${n.name}" is not a JSON object`);
    models.set(n.name, body);
  });
  const [inputs, outputs] = edges(root, models);
  // fromEntries defines each key as an own property: a node named "__proto__" stays a key.
  const sorted: Json = Object.fromEntries([...models.keys()].sort().map((name) => [name, models.get(name)]));
  return Payload.fromJson({ name: predictorName, models: sorted, graphinputs: inputs ?? null, graphoutputs: outputs ?? null });
}

/** getEdgeNodes of Seldon: which node's inputs and outputs are the graph's. */
function edges(node: PlanNode, models: Map<string, Json>): [unknown, unknown] {
  const own = models.get(node.name) ?? {};
  const first = node.children[0];
  if (first === undefined) return [own.inputs, own.outputs];
  const [childIn, childOut] = edges(first, models);
  switch (node.spec.type) {
    case 'OUTPUT_TRANSFORMER':
    case 'COMBINER':
      return [childIn, own.outputs];
    case 'ROUTER':
      return [childIn, childOut];
    case 'MODEL':
    case 'TRANSFORMER':
      return [own.inputs, childOut];
    case 'UNKNOWN_TYPE':
      // Built-ins and method-only nodes (Seldon crashed here, quirk 26): pass the edge of child 0 through.
      return [childIn, childOut];
  }
}
