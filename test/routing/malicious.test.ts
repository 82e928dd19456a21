import { requestDigest, signHop, toHex, type Hop } from '@evidence/core';
import { HttpClient, type HopSigner, type PostOptions, type HttpAnswer, type ForwardRequest } from '@evidence/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { echoCall, LINE, testNetwork, verifyDoc, verifyWithCli, type TraceDoc } from './support.js';

type Misbehaviour = 'none' | 'alter-body' | 'alter-body-resign' | 'drop-hop' | 'reorder' | 'impersonate';

/**
 * RN-M's transport: after the real node has checked the chain and signed its
 * own hop, this rewrites what goes out, the way a compromised node would.
 */
class MaliciousTransport extends HttpClient {
  mode: Misbehaviour = 'none';
  impersonate = '';

  constructor(private readonly signer: HopSigner) {
    super();
  }

  override post(url: string, body: string | Buffer, options: PostOptions): Promise<HttpAnswer> {
    if (this.mode === 'none' || !url.endsWith('/v1/forward')) return super.post(url, body, options);
    const msg = JSON.parse(body.toString()) as ForwardRequest;
    const hops = msg.hops as Hop[];
    const mine = hops[hops.length - 1]!;
    const resign = (h: Hop): Hop => signHop({ ...h, signature: undefined } as unknown as Hop, this.signer.privateKey, this.signer.publicKey);
    switch (this.mode) {
      case 'alter-body':
        msg.request.body = { ...(msg.request.body as object), scope: ['Everything'] };
        break;
      case 'alter-body-resign': {
        msg.request.body = { ...(msg.request.body as object), scope: ['Everything'] };
        const digest = toHex(requestDigest(msg.request.method, msg.request.path, msg.request.body));
        hops[hops.length - 1] = resign({ ...mine, digest });
        break;
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
}


describe('a malicious routing node between two honest ones', () => {
  let net: Network;
  let evil: MaliciousTransport;
  beforeAll(async () => {
    net = await testNetwork(LINE, {
      nodeClient: (code, signer) => (code === 'RN-M' ? (evil = new MaliciousTransport(signer)) : undefined),
    });
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  const id = (code: string) => (net.nodes.get(code) ?? net.gateways.get(code))!.id;
  const request = { method: 'POST', path: '/query', body: { patient: 'p-001', scope: ['Observation'] } };

  /** Sends an EMR query through RN-M misbehaving, returns the refusal and the chain RN-3 kept. */
  async function attempt(mode: Misbehaviour) {
    evil.mode = mode;
    evil.impersonate = id('RN-1');
    const res = await net.call('H330100001', 'H330200001', 'emr.query', request.path, { body: request.body });
    evil.mode = 'none';
    const requestId = res.body.requestId as string;
    const kept = (await (await fetch(`${net.nodes.get('RN-3')!.url}/v1/traces/${requestId}`)).json()) as TraceDoc & {
      refusal: { code: string; hop: number; check: string; node: string; sender?: string; request: typeof request };
    };
    return { res, kept };
  }

  it('forwards honestly when it behaves', async () => {
    expect((await echoCall(net, 'H330100001', 'H330200001')).signers).toEqual(['H330100001', 'RN-1', 'RN-M', 'RN-3', 'H330200001', 'H330200001']);
  });

  it('alters the body: the next hop refuses, naming RN-M\'s hop and RN-M as the sender', async () => {
    const { res, kept } = await attempt('alter-body');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'HOP_DIGEST_MISMATCH', by: id('RN-3'), hop: 2, node: id('RN-M'), sender: id('RN-M') });
    expect(res.body.message).toMatch(/^hop 2: digest/);
    // The chain RN-3 kept is signed over the original request, not the body RN-M delivered.
    expect(kept.refusal.request.body).toEqual({ patient: 'p-001', scope: ['Everything'] });
    expect(verifyDoc(kept, { complete: false, request })).toMatchObject({ valid: true });
    expect(verifyDoc(kept, { complete: false, request: kept.refusal.request })).toMatchObject({ valid: false, check: 'digest' });
    expect(await verifyWithCli({ ...kept, request: kept.refusal.request })).toMatchObject({ valid: false, failedCheck: 'digest' });
  });

  it('alters the body and re-signs its hop over it: the next hop and the verifier name hop 2 (RN-M)', async () => {
    const { res, kept } = await attempt('alter-body-resign');
    expect(res.body).toMatchObject({ code: 'HOP_DIGEST_MISMATCH', hop: 2, node: id('RN-M'), sender: id('RN-M') });
    expect(verifyDoc(kept, { complete: false, request })).toMatchObject({ valid: false, hop: 2, check: 'digest' });
    expect(await verifyWithCli({ ...kept, request })).toMatchObject({ valid: false, failedHop: 2, failedCheck: 'digest' });
  });

  it('drops a hop: refused at the hop where the chain breaks, sender RN-M', async () => {
    const { res, kept } = await attempt('drop-hop');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 1, check: 'index', node: id('RN-M'), sender: id('RN-M') });
    expect(kept.hops).toHaveLength(2);
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 1, failedCheck: 'index' });
  });

  it('reorders hops: refused at hop 0, sender RN-M', async () => {
    const { res, kept } = await attempt('reorder');
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 0, check: 'index', sender: id('RN-M') });
    expect(verifyDoc(kept, { complete: false })).toMatchObject({ valid: false, hop: 0, check: 'index' });
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 0, failedCheck: 'index' });
  });

  it('signs its hop as another node: the forged hop is named, and nobody is framed', async () => {
    const { res, kept } = await attempt('impersonate');
    expect(res.body).toMatchObject({ code: 'HOP_INVALID', hop: 2, check: 'node link', node: id('RN-1') });
    // RN-1's key did not sign hop 2, so RN-1 is not named as the sender.
    expect(res.body.sender).toBeUndefined();
    expect(await verifyWithCli(kept)).toMatchObject({ valid: false, failedHop: 2, failedCheck: 'node link' });
  });

  it('the destination never received any of the tampered requests', () => {
    const received = net.gateways.get('H330200001')!.service.received.filter((r) => r.path.startsWith('/emr'));
    expect(received).toEqual([]);
  });
});
