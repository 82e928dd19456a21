/**
 * A delivery captured on the way and replayed after the destination gateway
 * restarts: its delivered-request window is on disk, so the internal service
 * is not called a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { postAs, sealFor } from './chains.js';
import { echoCall, loadTopology, testNetwork } from './support.js';

describe('the delivered-request window across a restart of the destination', () => {
  let net: Network;
  beforeAll(async () => {
    net = await testNetwork(await loadTopology('star'));
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('refuses the replay with REMOTE_REPLAY after the restart, and the service sees the request once', async () => {
    const { trace, request, requestId } = await echoCall(net, 'H330100001', 'H330100002', false);
    const destination = { institution: 'H330100002', service: 'echo' };
    // The message as the routing node delivered it: origin and forward hop, the origin's envelope.
    const hops = trace.hops.slice(0, 2);
    const message = { destination, sealed: sealFor(net, 'H330100001', destination, request, hops[0]!), hops };
    const received = () => net.gateways.get('H330100002')!.service.received.filter((r) => r.path === `/echo${request.path}`).length;
    expect(received()).toBe(1);

    const again = await net.restartGateway('H330100002');
    // (its delivery listener opens as the gateway starts listening)
    for (const end = Date.now() + 10_000; again.remote.deliveryUrl() === undefined && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    const res = await postAs(net, 'RN-ZJ-01', `${again.remote.deliveryUrl()!}/v1/deliver`, message);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'REMOTE_REPLAY', by: again.id, hop: 0, node: net.gateways.get('H330100001')!.id, sender: net.nodes.get('RN-ZJ-01')!.id });
    expect(res.body.message).toContain(requestId);
    expect(received()).toBe(1);

    // The restarted gateway serves new calls as before.
    await net.converged();
    let ok = await net.call('H330100001', 'H330100002', 'echo', '/after', { body: { n: 1 } });
    for (const end = Date.now() + 10_000; ok.status !== 200 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      ok = await net.call('H330100001', 'H330100002', 'echo', '/after', { body: { n: 1 } });
    }
    expect(ok.status).toBe(200);
  });
});
