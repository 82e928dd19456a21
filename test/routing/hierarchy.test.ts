import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { echoCall, loadTopology, testNetwork } from './support.js';

describe('hierarchy: a province node over two city nodes', () => {
  let net: Network;
  beforeAll(async () => {
    net = await testNetwork(await loadTopology('hierarchy'));
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('city nodes know only their own institutions; the province node knows every one', () => {
    const province = net.nodes.get('RN-ZJ-00')!.node!;
    const hz = net.nodes.get('RN-HZ-01')!.node!;
    expect(province.table.size).toBe(8);
    expect(hz.table.size).toBe(4);
    expect(hz.table.lookup('H330200001/echo')).toBeUndefined();
  });

  it('calls between every pair succeed: within a city through its node, across cities up through the province', { timeout: 180_000 }, async () => {
    const city = (code: string) => net.gateways.get(code)!.node;
    const codes = [...net.gateways.keys()];
    for (const from of codes) {
      for (const to of codes) {
        if (from === to) continue;
        const { signers } = await echoCall(net, from, to);
        const path = city(from) === city(to) ? [city(from)] : [city(from), 'RN-ZJ-00', city(to)];
        expect(signers).toEqual([from, ...path, to, to]);
      }
    }
  });

  it('an institution nobody published is refused by the top of the hierarchy, which names itself', async () => {
    // A registered institution that withdraws its services (requests are sealed to its registered key).
    const [from, gone] = ['H330100001', 'H330200002'];
    await net.gateways.get(gone)!.remote.publisher.stop();
    let res = await net.call(from, gone, 'echo', '/x');
    for (const end = Date.now() + 10_000; res.status !== 404 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 50));
      res = await net.call(from, gone, 'echo', '/x');
    }
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROUTE_UNKNOWN_INSTITUTION', by: net.nodes.get('RN-ZJ-00')!.id });
    expect(res.headers.get('x-evidence-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('an institution with no registered key is refused by the calling gateway: nothing can be sealed to it', async () => {
    const res = await net.call('H330100001', 'H999999999', 'echo', '/x');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROUTE_UNKNOWN_INSTITUTION', by: net.gateways.get('H330100001')!.id });
  });
});
