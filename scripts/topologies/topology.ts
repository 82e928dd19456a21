/**
 * Topology files: which routing nodes exist, how they are linked (peers,
 * parent/child), which gateway hangs off which node, and what each gateway
 * publishes. Example (star.json):
 *
 *   {
 *     "name": "star",
 *     "nodes": [{ "code": "RN-ZJ-01" }],
 *     "links": [],
 *     "gateways": [
 *       { "code": "H330100001", "node": "RN-ZJ-01",
 *         "services": [{ "name": "emr.query", "path": "/emr", "allow": "*", "kind": "record-access" }] }
 *     ]
 *   }
 *
 * `links` are peer links [a, b] (both directions); a node's `parent` makes it
 * a child of that node in a hierarchy. A service's `path` is appended to the
 * gateway's sample internal service to form the service URL.
 */
export interface TopologyService {
  name: string;
  path: string;
  allow: '*' | string[];
  kind?: 'record-access';
}

export interface Topology {
  name: string;
  nodes: { code: string; parent?: string }[];
  links: [string, string][];
  gateways: { code: string; node: string; services: TopologyService[] }[];
}

export function parseTopology(input: unknown): Topology {
  const t = input as Topology;
  const fail = (why: string): never => {
    throw new Error(`topology: ${why}`);
  };
  if (typeof t !== 'object' || t === null) fail('must be an object');
  if (typeof t.name !== 'string') fail('name must be a string');
  if (!Array.isArray(t.nodes) || t.nodes.length === 0) fail('nodes must be a non-empty array');
  const codes = new Set(t.nodes.map((n) => n.code));
  if (codes.size !== t.nodes.length) fail('node codes must be unique');
  for (const n of t.nodes) if (n.parent !== undefined && !codes.has(n.parent)) fail(`node ${n.code}: unknown parent ${n.parent}`);
  for (const l of t.links ?? []) if (!codes.has(l[0]) || !codes.has(l[1])) fail(`link ${l.join('-')} names an unknown node`);
  if (!Array.isArray(t.gateways)) fail('gateways must be an array');
  for (const g of t.gateways) if (!codes.has(g.node)) fail(`gateway ${g.code}: unknown node ${g.node}`);
  return { name: t.name, nodes: t.nodes, links: t.links ?? [], gateways: t.gateways };
}

/** The neighbours of a node: its peers, its parent, and its children (role "child"). */
export function neighboursOf(t: Topology, code: string): { code: string; role: 'peer' | 'parent' | 'child' }[] {
  const out: { code: string; role: 'peer' | 'parent' | 'child' }[] = [];
  for (const [a, b] of t.links) {
    if (a === code) out.push({ code: b, role: 'peer' });
    if (b === code) out.push({ code: a, role: 'peer' });
  }
  const self = t.nodes.find((n) => n.code === code);
  if (self?.parent) out.push({ code: self.parent, role: 'parent' });
  for (const n of t.nodes) if (n.parent === code) out.push({ code: n.code, role: 'child' });
  return out;
}

/**
 * The routes each node should hold once routing converged: destination to
 * the length of the shortest path (0 for a gateway attached to the node).
 * Routes flow both ways over peer links and upwards from child to parent,
 * never down.
 */
export function expectedRoutes(t: Topology): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>(t.nodes.map((n) => [n.code, new Map()]));
  for (const origin of t.nodes) {
    // Breadth-first from the origin along the links its advertisements travel.
    const dist = new Map<string, number>([[origin.code, 0]]);
    const queue = [origin.code];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const nb of neighboursOf(t, at)) {
        if (nb.role === 'child') continue; // advertisements go to peers and to the parent only
        if (!dist.has(nb.code)) {
          dist.set(nb.code, dist.get(at)! + 1);
          queue.push(nb.code);
        }
      }
    }
    for (const g of t.gateways.filter((g) => g.node === origin.code)) {
      for (const s of g.services) for (const [node, d] of dist) out.get(node)!.set(`${g.code}/${s.name}`, d);
    }
  }
  return out;
}
