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

  it('calls between every pair succeed along a shortest path, and every trace verifies', { timeout: 180_000 }, async () => {
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

  it('fails over when a node is killed mid-traffic, and withdraws the dead node\'s routes', { timeout: 180_000 }, async () => {
    const [fromB, toD] = ['H330100002', 'H330300001'];
    // B reaches D over A or C (two links either way); equal paths go to the lower node id, RN-A.
    expect((await echoCall(net, fromB, toD)).signers).toEqual([fromB, 'RN-B', 'RN-A', 'RN-D', toD, toD]);

    // One call at a time from B to D while RN-A is killed.
    const outcomes: { ok: boolean; startedAt: number; via?: string; error?: string }[] = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const startedAt = Date.now();
        try {
          const { signers } = await echoCall(net, fromB, toD, false);
          outcomes.push({ ok: true, startedAt, via: signers[2] });
        } catch (e) {
          outcomes.push({ ok: false, startedAt, error: (e as Error).message });
        }
      }
    })();
    while (outcomes.length < 5) await new Promise((r) => setTimeout(r, 10));
    const settled = outcomes.slice(0, 5);
    const killStarted = Date.now();
    await net.kill('RN-A');
    const killed = Date.now();
    const doneBefore = outcomes.length;
    while (outcomes.length < doneBefore + 10) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await traffic;

    // Before the kill: through RN-A. Calls started once it was dead: rerouted through RN-C, none lost.
    const before = outcomes.filter((o) => o.startedAt < killStarted);
    const during = outcomes.filter((o) => o.startedAt >= killStarted && o.startedAt < killed);
    const after = outcomes.filter((o) => o.startedAt >= killed);
    expect(settled.every((o) => o.ok && o.via === 'RN-A'), JSON.stringify(settled)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(9);
    expect(after.every((o) => o.ok && o.via === 'RN-C'), JSON.stringify(after)).toBe(true);
    // A call in flight when it died went through RN-A, failed over to RN-C, or got a coded error; never a crash.
    for (const o of [...before, ...during]) expect(o.ok ? ['RN-A', 'RN-C'].includes(o.via!) : /\d{3} \{"code":"[A-Z_]+"/.test(o.error!), JSON.stringify(o)).toBe(true);

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
