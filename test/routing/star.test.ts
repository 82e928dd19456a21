import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { loadTopology, signers, testNetwork, verifyDoc, verifyWithCli, type TraceDoc } from './support.js';

describe('star: one routing node, three gateways', () => {
  let net: Network;
  beforeAll(async () => {
    net = await testNetwork(await loadTopology('star'));
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('calls between every pair of institutions succeed and every trace verifies', async () => {
    const codes = [...net.gateways.keys()];
    for (const from of codes) {
      for (const to of codes) {
        if (from === to) continue;
        const body = { hello: to, from };
        // The path is relative to the published service; the service itself sits under /echo internally.
        const res = await net.call(from, to, 'echo', `/x?from=${from}`, { body });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const requestId = res.body.requestId as string;
        expect(res.headers.get('x-evidence-request-id')).toBe(requestId);
        const answer = { institution: to, method: 'POST', path: `/echo/x?from=${from}`, body };
        expect(res.body.response).toEqual({ status: 200, body: answer });

        const trace = res.body.trace as TraceDoc;
        expect(trace.hops.map((h) => h.type)).toEqual([1, 2, 3, 4]);
        expect(signers(trace)).toEqual([from, 'RN-ZJ-01', to, to]);
        const request = { method: 'POST', path: `/x?from=${from}`, body };
        const response = { status: 200, body: answer };
        expect(verifyDoc(trace, { request, response })).toMatchObject({ valid: true });
        expect(await verifyWithCli({ ...trace, request, response })).toMatchObject({ valid: true, failedHop: null });

        // The same trace is served by the origin gateway, the routing node and the destination gateway.
        for (const url of [net.gateways.get(from)!.url, net.nodes.get('RN-ZJ-01')!.url, net.gateways.get(to)!.url]) {
          const got = await fetch(`${url}/v1/traces/${requestId}`, { headers: { authorization: `Bearer ${net.token}` } });
          expect(got.status).toBe(200);
          expect(await got.json()).toEqual(trace);
        }
      }
    }
  });
});
