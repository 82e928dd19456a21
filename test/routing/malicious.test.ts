import { entityId, envelope as env, hopHash, signHop, toHex, utf8, type Hop } from '@evidence/core';
import { HttpClient, type ForwardRequest, type HopSigner, type HttpAnswer, type LinkOptions, type PostOptions } from '@evidence/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import type { Topology } from '../../scripts/topologies/topology.js';
import { echoCall, LINE, testNetwork, verifyDoc, verifyWithCli, type TraceDoc } from './support.js';

/** The line, with a third institution beside the destination (where a compromised RN-3 could replay to). */
const LINE_PLUS: Topology = { ...LINE, gateways: [...LINE.gateways, { code: 'H330300001', node: 'RN-3', services: [{ name: 'echo', path: '/echo', allow: '*' }] }] };

type Misbehaviour = 'none' | 'swap-envelope' | 'clear-body' | 'redirect' | 'redirect-direct' | 'drop-hop' | 'reorder' | 'impersonate' | 'alter-response';

/**
 * A node's transport: after the real node has checked the chain and signed
 * its own hop, this rewrites what goes out, the way a compromised node would.
 * It holds the node's key and TLS certificate, and the public keys of the
 * registry, never a gateway's private key: it cannot read the request.
 */
class MaliciousTransport extends HttpClient {
  mode: Misbehaviour = 'none';
  impersonate = '';
  /** Where the compromised node redirects to: another institution's gateway and its delivery URL. */
  other = { code: '', id: '', url: '' };
  destinationKey = '';

  constructor(
    private readonly signer: HopSigner,
    link: LinkOptions,
  ) {
    super(link);
  }

  override post(url: string, body: string | Buffer, options: PostOptions): Promise<HttpAnswer> {
    const outgoing = url.endsWith('/v1/forward') || url.endsWith('/v1/deliver');
    if (this.mode === 'none' || !outgoing) return super.post(url, body, options);
    if (this.mode === 'alter-response') return this.alterAnswer(super.post(url, body, options));
    const msg = JSON.parse(body.toString()) as ForwardRequest;
    const hops = msg.hops as Hop[];
    const mine = hops[hops.length - 1]!;
    const resign = (h: Hop): Hop => signHop({ ...h, signature: undefined } as unknown as Hop, this.signer.privateKey, this.signer.publicKey);
    const ctx = { direction: 'request' as const, ...msg.destination, requestId: hops[0]!.requestId, origin: hops[0]!.node, digest: hops[0]!.digest };
    switch (this.mode) {
      case 'swap-envelope': {
        // Its own request, sealed to the destination's registered key under the same context; the origin's signature kept.
        const own = env.sealRequest(utf8(JSON.stringify({ method: 'POST', path: '/query', body: { patient: 'p-001', scope: ['Everything'] } })), this.destinationKey, ctx);
        msg.sealed = { ...own.envelope, sig: msg.sealed!.sig } as ForwardRequest['sealed'];
        break;
      }
      case 'clear-body':
        delete msg.sealed;
        msg.request = { method: 'POST', path: '/query', body: { patient: 'p-001', scope: ['Everything'] } };
        break;
      case 'redirect':
        msg.destination = { institution: this.other.code, service: 'echo' };
        break;
      case 'redirect-direct': {
        // Replays the envelope to another institution: its own hop re-signed to hand it there.
        msg.destination = { institution: this.other.code, service: 'echo' };
        hops[hops.length - 1] = resign({ ...mine, next: this.other.id, prev: toHex(hopHash(hops[hops.length - 2]!)) });
        return super.post(`${this.other.url}/v1/deliver`, JSON.stringify(msg), { ...options, peer: this.other.id });
      }
      case 'drop-hop':
        hops.splice(hops.length - 2, 1);
        break;
      case 'reorder':
        [hops[0], hops[1]] = [hops[1]!, hops[0]!];
        break;
      case 'impersonate':
        hops[hops.length - 1] = resign({ ...mine, node: this.impersonate });
        break;
    }
    return super.post(url, JSON.stringify(msg), options);
  }

  /** The answer on its way back: one byte of the sealed response changed (the node cannot read or re-seal it). */
  private async alterAnswer(answer: Promise<HttpAnswer>): Promise<HttpAnswer> {
    const a = await answer;
    if (a.status !== 200) return a;
    const parsed = JSON.parse(a.body.toString()) as { sealed: { ct: string } };
    const ct = Buffer.from(parsed.sealed.ct, 'base64');
    ct[0]! ^= 1;
    parsed.sealed.ct = ct.toString('base64');
    return { ...a, body: Buffer.from(JSON.stringify(parsed)) };
  }
}

describe('a malicious routing node in a line of three, over TLS with sealed requests', () => {
  let net: Network;
  const evil = new Map<string, MaliciousTransport>();
  beforeAll(async () => {
    net = await testNetwork(LINE_PLUS, {
      nodeClient: (code, signer, link) => {
        if (code !== 'RN-M' && code !== 'RN-3') return undefined;
        const t = new MaliciousTransport(signer, link);
        evil.set(code, t);
        return t;
      },
    });
    await net.converged();
    for (const t of evil.values()) {
      t.destinationKey = net.gateways.get('H330200001')!.gateway.keys.sm2.publicKey;
      t.other = { code: 'H330300001', id: toHex(entityId('H330300001')), url: net.gateways.get('H330300001')!.remote.deliveryUrl()! };
    }
  });
  afterAll(async () => {
    await net?.stop();
  });

  const id = (code: string) => (net.nodes.get(code) ?? net.gateways.get(code))!.id;
  const request = { method: 'POST', path: '/query', body: { patient: 'p-001', scope: ['Observation'] } };

  type Kept = TraceDoc & { refusal: { code: string; hop: number; check: string; node: string; sender?: string; sealed?: unknown; request?: unknown } };

  /** Sends an EMR query with `who` misbehaving; returns the refusal and the chain kept by `keeper` (a node, or a gateway). */
  async function attempt(who: 'RN-M' | 'RN-3', mode: Misbehaviour, keeper: string) {
    const t = evil.get(who)!;
    t.mode = mode;
    t.impersonate = id('RN-1');
    const res = await net.call('H330100001', 'H330200001', 'emr.query', request.path, { body: request.body });
    t.mode = 'none';
    const requestId = res.body.requestId as string;
    const url = (net.nodes.get(keeper) ?? net.gateways.get(keeper))!.url;
    const kept = (await net.get(`${url}/v1/traces/${requestId}`, { authorization: `Bearer ${net.token}` })).body as unknown as Kept;
    return { res, kept };
  }

  it('forwards honestly when it behaves', async () => {
    expect((await echoCall(net, 'H330100001', 'H330200001')).signers).toEqual(['H330100001', 'RN-1', 'RN-M', 'RN-3', 'H330200001', 'H330200001']);
  });

  it("replaces the envelope with one of its own: the next node refuses, naming RN-M's hop and RN-M as the sender", async () => {
    const { res, kept } = await attempt('RN-M', 'swap-envelope', 'RN-3');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ENVELOPE_MISMATCH', by: id('RN-3'), hop: 2, check: 'envelope', node: id('RN-M'), sender: id('RN-M') });
    // RN-3 keeps the chain and the envelope as received, and nothing in clear.
    expect(kept.refusal).toMatchObject({ code: 'ENVELOPE_MISMATCH', sender: id('RN-M') });
    expect(kept.refusal.sealed).toBeDefined();
    expect(kept.refusal.request).toBeUndefined();
    // The hops themselves are intact (signed over the origin's request).
    expect(verifyDoc(kept, { complete: false, request })).toMatchObject({ valid: true });
  });

  it('the last node replaces the envelope: the destination gateway refuses it, naming that node', async () => {
    const { res, kept } = await attempt('RN-3', 'swap-envelope', 'H330200001');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ENVELOPE_MISMATCH', by: id('H330200001'), hop: 3, node: id('RN-3'), sender: id('RN-3') });
    expect(kept.refusal).toMatchObject({ code: 'ENVELOPE_MISMATCH', hop: 3, node: id('RN-3'), sender: id('RN-3') });
    expect(verifyDoc(kept, { complete: false, request })).toMatchObject({ valid: true });
  });

  it('sends the request on in clear: refused, requests travel sealed', async () => {
    const { res } = await attempt('RN-M', 'clear-body', 'RN-3');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ENVELOPE_REQUIRED', by: id('RN-3') });
  });

  it('sends the envelope towards another destination: refused by the next node, naming RN-M', async () => {
    const { res } = await attempt('RN-M', 'redirect', 'RN-3');
    expect(res.body).toMatchObject({ code: 'ENVELOPE_MISMATCH', hop: 2, node: id('RN-M'), sender: id('RN-M') });
  });

  it('replays the envelope straight to another institution: refused by that gateway, naming the node', async () => {
    const { res } = await attempt('RN-3', 'redirect-direct', 'H330300001');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ENVELOPE_MISMATCH', by: id('H330300001'), hop: 3, node: id('RN-3'), sender: id('RN-3') });
    expect(net.gateways.get('H330300001')!.service.received).toEqual([]);
  });

  it('alters the sealed response on its way back: the node before it refuses the answer, naming it; nothing reaches the caller', async () => {
    // RN-M's transport hands RN-M an answer altered on its way from RN-3: as if RN-3 had altered it.
    const t = evil.get('RN-M')!;
    t.mode = 'alter-response';
    const res = await net.call('H330100001', 'H330200001', 'echo', '/answer', { body: { n: 1 } });
    t.mode = 'none';
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'NEXT_HOP_BAD_RESPONSE', by: id('RN-M'), check: 'envelope', node: id('RN-3') });
    expect(res.body.response).toBeUndefined();
  });

  it('drops a hop: refused at the hop where the chain breaks, sender RN-M', async () => {
    const { res, kept } = await attempt('RN-M', 'drop-hop', 'RN-3');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 1, check: 'index', node: id('RN-M'), sender: id('RN-M') });
    expect(kept.hops).toHaveLength(2);
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 1, failedCheck: 'index' });
  });

  it('reorders hops: refused at hop 0, sender RN-M', async () => {
    const { res, kept } = await attempt('RN-M', 'reorder', 'RN-3');
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 0, check: 'index', sender: id('RN-M') });
    expect(verifyDoc(kept, { complete: false })).toMatchObject({ valid: false, hop: 0, check: 'index' });
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 0, failedCheck: 'index' });
  });

  it('signs its hop as another node: the forged hop is named, and the sender is the device on the TLS link, not RN-1', async () => {
    const { res, kept } = await attempt('RN-M', 'impersonate', 'RN-3');
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 2, check: 'node link', node: id('RN-1'), sender: id('RN-M') });
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 2, failedCheck: 'node link' });
  });

  it('the destination never received any of the tampered requests', () => {
    const received = net.gateways.get('H330200001')!.service.received.filter((r) => r.path.startsWith('/emr'));
    expect(received).toEqual([]);
  });
});
