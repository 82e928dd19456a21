import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { echoCall, loadTopology, testNetwork } from './support.js';

/**
 * RN-A - RN-B - RN-C - RN-D - RN-A in a ring, with the chord RN-A - RN-C; one
 * institution on each node. RN-A runs as its own process so it can be killed
 * (SIGKILL) in the middle of traffic.
 */
describe('mesh: four nodes in a ring with one chord', () => {
  let net: Network;
  beforeAll(async () => {
    net = await testNetwork(await loadTopology('mesh'), { processNodes: ['RN-A'] });
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  const nodeOf = (gateway: string) => net.gateways.get(gateway)!.node;

  it('calls between every pair succeed along a shortest path, and every trace verifies', async () => {
    const codes = [...net.gateways.keys()];
    for (const from of codes) {
      for (const to of codes) {
        if (from === to) continue;
        const { signers } = await echoCall(net, from, to);
        const nodes = signers.slice(1, -2);
        expect(nodes[0]).toBe(nodeOf(from));
        expect(nodes.at(-1)).toBe(nodeOf(to));
        // Every pair of nodes is one or two links apart in this mesh.
        const direct = net.topology.links.some(([a, b]) => (a === nodeOf(from) && b === nodeOf(to)) || (b === nodeOf(from) && a === nodeOf(to)));
        expect(nodes).toHaveLength(direct ? 2 : 3);
      }
    }
  });

  it('fails over when a node is killed mid-traffic, and withdraws the dead node\'s routes', async () => {
    const [fromB, toD] = ['H330100002', 'H330300001'];
    // B reaches D over A or C (two links either way); equal paths go to the lower node id, RN-A.
    expect((await echoCall(net, fromB, toD)).signers).toEqual([fromB, 'RN-B', 'RN-A', 'RN-D', toD, toD]);

    const outcomes: { ok: boolean; via?: string; error?: string }[] = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        try {
          const { signers } = await echoCall(net, fromB, toD, false);
          outcomes.push({ ok: true, via: signers[2] });
        } catch (e) {
          outcomes.push({ ok: false, error: (e as Error).message });
        }
      }
    })();
    while (outcomes.length < 5) await new Promise((r) => setTimeout(r, 10));
    const killedAt = outcomes.length;
    await net.kill('RN-A');
    while (outcomes.length < killedAt + 10) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await traffic;

    expect(outcomes.slice(0, killedAt).every((o) => o.ok && o.via === 'RN-A')).toBe(true);
    const after = outcomes.slice(killedAt + 1);
    expect(after.every((o) => o.ok && o.via === 'RN-C'), JSON.stringify(after)).toBe(true);
    // The request in flight at the kill either failed over too or got a coded error, never a crash.
    const atKill = outcomes[killedAt]!;
    expect(atKill.ok || /\d{3} \{"code":"[A-Z_]+"/.test(atKill.error!)).toBe(true);

    // Rerouted traces verify with the CLI too.
    const rerouted = await echoCall(net, fromB, toD);
    expect(rerouted.signers).toEqual([fromB, 'RN-B', 'RN-C', 'RN-D', toD, toD]);

    // Routes learned from RN-A, and routes to the institution behind it, are gone everywhere.
    const deadId = net.nodes.get('RN-A')!.id;
    for (const code of ['RN-B', 'RN-C', 'RN-D']) {
      const table = net.nodes.get(code)!.node!.table;
      const deadline = Date.now() + 3000;
      while (table.lookup('H330100001/echo') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(table.lookup('H330100001/echo'), code).toBeUndefined();
      for (const [, route] of table.entries()) expect(route.path).not.toContain(deadId);
    }
    const res = await net.call(fromB, 'H330100001', 'echo', '/x');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROUTE_UNKNOWN_INSTITUTION' });
  });
});
