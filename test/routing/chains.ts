import { keyLookupFrom, type KeyLookup } from '@evidence/core';
import type { Network } from '../../scripts/topologies/network.js';

export { appendHop, checkChain, originHop } from '@evidence/node';

/** The registered keys of every node and gateway of a test network. */
export function keyLookupFromNetwork(net: Network): KeyLookup {
  return keyLookupFrom([
    ...[...net.nodes.values()].map((n) => ({ id: n.id, publicKey: n.keys.publicKey })),
    ...[...net.gateways.values()].map((g) => ({ id: g.id, publicKey: g.gateway.keys.sm2.publicKey })),
  ]);
}
