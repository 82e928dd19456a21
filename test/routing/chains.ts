import { envelope as env, keyLookupFrom, utf8, type Hop, type KeyLookup } from '@evidence/core';
import type { ForwardRequest } from '@evidence/node';
import type { Network } from '../../scripts/topologies/network.js';

export { appendHop, checkChain, originHop } from '@evidence/node';

/** The registered keys of every node and gateway of a test network. */
export function keyLookupFromNetwork(net: Network): KeyLookup {
  return keyLookupFrom([
    ...[...net.nodes.values()].map((n) => ({ id: n.id, publicKey: n.keys.publicKey })),
    ...[...net.gateways.values()].map((g) => ({ id: g.id, publicKey: g.gateway.keys.sm2.publicKey })),
  ]);
}

/** A request sealed by `origin` (its registered key signs the envelope) to `destination`'s registered key, bound to hop 0. */
export function sealFor(
  net: Network,
  origin: string,
  destination: { institution: string; service: string },
  request: { method: string; path: string; body?: unknown },
  hop0: Hop,
): ForwardRequest['sealed'] {
  const to = net.gateways.get(destination.institution)!.gateway.keys.sm2.publicKey;
  const from = net.gateways.get(origin)!.gateway.keys.sm2.privateKey;
  const ctx = { direction: 'request' as const, ...destination, requestId: hop0.requestId, origin: hop0.node, digest: hop0.digest };
  const { envelope } = env.sealRequest(utf8(JSON.stringify(request)), to, ctx);
  return { ...envelope, sig: env.signEnvelope(envelope, ctx, from) } as ForwardRequest['sealed'];
}

/** POSTs a forward message on a link, holding `as`'s TLS certificate. */
export async function postAs(net: Network, as: string, url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = await net.linkClient(as);
  try {
    const answer = await client.post(url, JSON.stringify(body), { timeoutMs: 10_000, maxResponseBytes: 1 << 20 });
    return { status: answer.status, body: JSON.parse(answer.body.toString('utf8')) as Record<string, unknown> };
  } finally {
    client.close();
  }
}
