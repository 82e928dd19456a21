import { HOP_TYPE, requestDigest, toHex, uuidv7, type Hop } from '@evidence/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { appendHop, checkChain, keyLookupFromNetwork, originHop, postAs, sealFor } from './chains.js';
import { echoCall, LINE, loadTopology, testNetwork } from './support.js';


describe('coded refusals in a star', () => {
  let net: Network;
  beforeAll(async () => {
    // Callers wait at most 1.5 s for a remote answer.
    net = await testNetwork(await loadTopology('star'), { remoteLimits: { timeoutMs: 1500 } });
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('unknown institution (no registered key: the calling gateway, nothing can be sealed to it) and unknown service (the routing node): 404', async () => {
    let res = await net.call('H330100001', 'H440000001', 'emr.query', '/query', { body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROUTE_UNKNOWN_INSTITUTION', by: net.gateways.get('H330100001')!.id });
    res = await net.call('H330100001', 'H330100002', 'rx.review', '/review', { body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROUTE_UNKNOWN_SERVICE' });
  });

  it('an institution the service does not admit: 403 from the destination gateway, naming the caller', async () => {
    // H330200001 publishes emr.query to H330100001 only.
    const res = await net.call('H330100002', 'H330200001', 'emr.query', '/query', { body: { patient: 'p' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'REMOTE_FORBIDDEN', by: net.gateways.get('H330200001')!.id, hop: 0, node: net.gateways.get('H330100002')!.id });
    expect(net.gateways.get('H330200001')!.service.received.some((r) => r.path.startsWith('/emr'))).toBe(false);
    // The admitted institution gets through.
    const ok = await net.call('H330100001', 'H330200001', 'emr.query', '/query', { body: { patient: 'p' } });
    expect(ok.status).toBe(200);
  });

  it('a replayed chain is delivered at most once; a chain with another body is refused', async () => {
    const { trace, request } = await echoCall(net, 'H330100001', 'H330100002', false);
    const gw = net.gateways.get('H330100002')!;
    const deliverUrl = `${gw.remote.deliveryUrl()!}/v1/deliver`;
    const before = gw.service.received.length;
    const destination = { institution: 'H330100002', service: 'echo' };
    const hops = trace.hops.slice(0, 2);
    const chain = { destination, sealed: sealFor(net, 'H330100001', destination, request, hops[0]!), hops };
    // Replayed by the routing node that forwarded it (the device on the TLS link signed the last hop).
    let res = await postAs(net, 'RN-ZJ-01', deliverUrl, chain);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'REMOTE_REPLAY', by: gw.id });
    // An envelope sealed and signed by the origin over another body: the origin's own fault, hop 0.
    res = await postAs(net, 'RN-ZJ-01', deliverUrl, { ...chain, sealed: sealFor(net, 'H330100001', destination, { ...request, body: { other: true } }, hops[0]!) });
    expect(res.body).toMatchObject({ code: 'HOP_DIGEST_MISMATCH', hop: 0, node: net.gateways.get('H330100001')!.id });
    // A request in clear: this network seals every request.
    res = await postAs(net, 'RN-ZJ-01', deliverUrl, { destination, request, hops });
    expect(res.body).toMatchObject({ code: 'ENVELOPE_REQUIRED' });
    res = await postAs(net, 'RN-ZJ-01', deliverUrl, { ...chain, hops: [] });
    expect(res.status).toBe(400);
    // Relayed by another device than the one whose hop hands it here: refused, naming that device.
    res = await postAs(net, 'H330100001', deliverUrl, chain);
    expect(res.body).toMatchObject({ code: 'HOP_SENDER_MISMATCH', node: net.nodes.get('RN-ZJ-01')!.id, sender: net.gateways.get('H330100001')!.id });
    expect(gw.service.received.length).toBe(before);
  });

  it("a replayed hop 0 with another envelope names the device that sent it, not the gateway that signed hop 0", async () => {
    const { trace, request } = await echoCall(net, 'H330100001', 'H330100002', false);
    const destination = { institution: 'H330100002', service: 'echo' };
    const hop0 = trace.hops[0]!;
    const other = sealFor(net, 'H330100002', destination, { ...request, body: { injected: true } }, hop0);
    const res = await postAs(net, 'H330100002', `${net.nodes.get('RN-ZJ-01')!.url}/v1/forward`, { destination, sealed: other, hops: [hop0] });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'HOP_SENDER_MISMATCH', hop: 0, node: net.gateways.get('H330100001')!.id, sender: net.gateways.get('H330100002')!.id });
  });

  it('a service slower than the caller waits: every hop gives up within the budget, with a coded error', async () => {
    const started = Date.now();
    const res = await net.call('H330100001', 'H330100002', 'echo', '/slow?ms=5000', { body: {} });
    expect(Date.now() - started).toBeLessThan(3000);
    // The destination gives up on its service first (502), or, on a loaded machine, the node on the
    // destination (504): either way a coded answer inside the caller's budget.
    expect([502, 504]).toContain(res.status);
    expect(['REMOTE_SERVICE_UNAVAILABLE', 'NEXT_HOP_TIMEOUT']).toContain(res.body.code);
    expect(res.body.message).toMatch(/within \d+ ms|did not answer in \d+ ms/);
  });

  it('the caller\'s own mistakes: unsupported media type, bad institution syntax, no credentials', async () => {
    const gw = net.gateways.get('H330100001')!;
    let res = await fetch(`${gw.url}/v1/remote/H330100002/echo/x`, { method: 'POST', headers: { authorization: `Bearer ${net.token}`, 'content-type': 'application/xml' }, body: '<a/>' });
    expect(res.status).toBe(415);
    res = await fetch(`${gw.url}/v1/remote/H%20X/echo/x`, { headers: { authorization: `Bearer ${net.token}` } });
    expect(res.status).toBe(400);
    res = await fetch(`${gw.url}/v1/remote/H330100002/echo/x`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'AUTH_MISSING' });
    // An encoded slash or backslash would reach the internal service as a separator: refused before anything is sent.
    for (const path of ['/a%2fb', '/a%2F..%2Fadmin', '/a%5cb', '/x%5C..']) {
      res = await fetch(`${gw.url}/v1/remote/H330100002/echo${path}`, { headers: { authorization: `Bearer ${net.token}` } });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'REMOTE_BAD_PATH' });
    }
    // Deliveries: never on the hospital-facing API, and never in plain http on the delivery listener.
    const dest = net.gateways.get('H330100002')!;
    res = await fetch(`${dest.url}/v1/deliver`, { method: 'POST', headers: { authorization: `Bearer ${net.token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    await expect(fetch(`${dest.remote.deliveryUrl()!.replace('https:', 'http:')}/v1/deliver`, { method: 'POST', body: '{}' })).rejects.toThrow();
    res = await fetch(`${gw.url}/v1/traces/${'0'.repeat(32)}`, { headers: { authorization: `Bearer ${net.token}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'TRACE_NOT_FOUND' });
  });
});

describe('loops and the hop limit, on three nodes in a line', () => {
  let net: Network;
  beforeAll(async () => {
    // RN-3 extends chains of at most 2 hops: origin -> RN-1 -> RN-M reaches it with 3.
    net = await testNetwork(LINE, { nodeLimits: { 'RN-3': { maxHops: 3 } } });
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('a chain at the hop limit is refused with ROUTE_HOP_LIMIT by the node that would exceed it', async () => {
    const res = await net.call('H330100001', 'H330200001', 'echo', '/x', { body: {} });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ROUTE_HOP_LIMIT', by: net.nodes.get('RN-3')!.id, sender: net.nodes.get('RN-M')!.id });
  });

  it('a chain that comes back to a node it already crossed is refused with ROUTE_LOOP', async () => {
    const keys = keyLookupFromNetwork(net);
    const party = (code: string) => {
      const n = net.nodes.get(code);
      if (n) return { id: n.id, ...n.keys };
      const g = net.gateways.get(code)!;
      return { id: g.id, ...g.gateway.keys.sm2 };
    };
    const request = { method: 'GET', path: '/x' };
    const digest = toHex(requestDigest(request.method, request.path));
    const [gw, n1, m] = [party('H330100001'), party('RN-1'), party('RN-M')];
    // A chain RN-M sends back to RN-1: origin -> RN-1 -> RN-M -> RN-1.
    const hops: Hop[] = [originHop(gw, toHex(uuidv7()), n1.id, digest)];
    hops.push(appendHop(n1, hops, checkChain({ hops, self: n1.id, request, keys, maxHops: 16 }).at(-1)!, HOP_TYPE.forward, m.id, digest));
    hops.push(appendHop(m, hops, checkChain({ hops, self: m.id, request, keys, maxHops: 16 }).at(-1)!, HOP_TYPE.forward, n1.id, digest));
    const destination = { institution: 'H330200001', service: 'echo' };
    const res = await postAs(net, 'RN-M', `${net.nodes.get('RN-1')!.url}/v1/forward`, { destination, sealed: sealFor(net, 'H330100001', destination, request, hops[0]!), hops });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'ROUTE_LOOP', by: n1.id, sender: m.id });
    expect(res.body.message).toMatch(/^hop 1: /);
  });
});
