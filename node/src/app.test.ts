import { entityId, generateSm2KeyPair, requestDigest, toHex } from '@evidence/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildNodeServer } from './app.js';
import { neighbour, nodeSettings } from './config.js';
import { originHop, type HopSigner } from './forward/hops.js';
import { staticKeySource } from './keys/key-source.js';
import type { Publish, PeerUpdate } from './peers/messages.js';
import { SIGNATURE_HEADER, SIGNER_HEADER, signBody } from './peers/signed-body.js';
import { RoutingNode } from './routing-node.js';

const party = (code: string): HopSigner & { code: string } => ({ code, id: toHex(entityId(code)), ...generateSm2KeyPair() });
const A = party('RN-A');
const B = party('RN-B');
const GW = party('H330100001');
const CALLER = party('H330100002');
const registry = staticKeySource([A, B, GW, CALLER]);
const TIMERS = { keepaliveMs: 100, holdMs: 600 };

const running: { app: FastifyInstance; node: RoutingNode }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.app.close();
});

async function start(who: HopSigner & { code: string }, limits = {}, timers = TIMERS): Promise<{ app: FastifyInstance; node: RoutingNode; url: string }> {
  const node = new RoutingNode({ settings: nodeSettings({ code: who.code, timers, limits }), signer: who, keys: registry });
  const app = await buildNodeServer(node, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push({ app, node });
  return { app, node, url };
}

/** A body signed by `by`, sent in the name of `as` (an impostor when they differ). */
function signed(body: object, by: HopSigner, as: HopSigner = by): { payload: string; headers: Record<string, string> } {
  const payload = JSON.stringify(body);
  return {
    payload,
    headers: { 'content-type': 'application/json', [SIGNER_HEADER]: as.id, [SIGNATURE_HEADER]: signBody(Buffer.from(payload), by.privateKey, by.publicKey) },
  };
}

function publication(over: Partial<Publish> = {}): Publish {
  return { v: 1, gateway: GW.id, code: GW.code, node: A.id, url: 'http://127.0.0.1:9', session: 1, seq: 1, ts: Date.now(), ttlMs: 60_000, services: ['emr.query', 'echo'], ...over };
}

async function until(what: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('routing node: publications from gateways', () => {
  it('installs published services, refuses forged, replayed and misbound publications, withdraws on an empty set', async () => {
    const { app, node } = await start(A);
    const post = (body: object, by: HopSigner = GW, as: HopSigner = by) => app.inject({ method: 'POST', url: '/v1/publish', ...signed(body, by, as) });

    let res = await post(publication());
    expect(res.statusCode).toBe(200);
    expect(node.table.lookup('H330100001/emr.query')).toEqual({ source: GW.id, path: [] });

    res = await post(publication({ seq: 1 }));
    expect(res.json()).toMatchObject({ code: 'PEER_REPLAY' });
    res = await post(publication({ seq: 2 }), CALLER, GW); // in GW's name, signed with another gateway's key
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'PEER_BAD_SIGNATURE', by: A.id });
    res = await post({ ...publication({ seq: 2, gateway: CALLER.id }) }, CALLER); // CALLER claims GW's code
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    res = await post(publication({ seq: 2, node: B.id }));
    expect(res.statusCode).toBe(421);
    const stranger = party('H999');
    res = await post({ ...publication({ seq: 2, gateway: stranger.id, code: 'H999' }) }, stranger);
    expect(res.json()).toMatchObject({ code: 'PEER_UNKNOWN' });
    res = await app.inject({ method: 'POST', url: '/v1/publish', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(403);

    // Captured long ago and replayed (say, after the node restarted and forgot GW's last seq): stale.
    res = await post(publication({ seq: 9, ts: Date.now() - 120_000 }));
    expect(res.json()).toMatchObject({ code: 'PEER_REPLAY', message: expect.stringMatching(/time-to-live/) });

    res = await post(publication({ seq: 3, services: [] }));
    expect(res.statusCode).toBe(200);
    expect(node.table.size).toBe(0);
  });

  it('ages out services a gateway stops publishing', async () => {
    const { app, node } = await start(A);
    await app.inject({ method: 'POST', url: '/v1/publish', ...signed(publication({ ttlMs: 150 }), GW) });
    expect(node.table.size).toBe(2);
    node.start();
    await until(() => node.table.size === 0, 3000);
  });
});

describe('routing node: path-vector updates between neighbours', () => {
  it('propagates routes with the path prepended, and withdraws them when the source goes', async () => {
    // A long hold time: only A's farewell can withdraw its routes quickly.
    const a = await start(A, {}, { keepaliveMs: 100, holdMs: 10_000 });
    const b = await start(B, {}, { keepaliveMs: 100, holdMs: 10_000 });
    a.node.setNeighbours([neighbour({ code: B.code, url: b.url }, 'peer')]);
    b.node.setNeighbours([neighbour({ code: A.code, url: a.url }, 'peer')]);
    a.node.start();
    b.node.start();
    await a.app.inject({ method: 'POST', url: '/v1/publish', ...signed(publication(), GW) });
    await until(() => b.node.table.size === 2);
    expect(b.node.table.lookup('H330100001/echo')).toEqual({ source: A.id, path: [A.id] });
    const listed = await b.app.inject({ method: 'GET', url: '/v1/routes?institution=H330100001&limit=1' });
    expect(listed.json()).toEqual({ size: 2, routes: [{ destination: expect.stringMatching(/^H330100001\//), source: A.id, path: [A.id] }] });
    // B must not advertise A's routes back to A (A would see its own id).
    expect(a.node.table.candidates('H330100001/echo')).toEqual([{ source: GW.id, path: [] }]);

    await a.app.inject({ method: 'POST', url: '/v1/publish', ...signed(publication({ seq: 2, services: ['echo'] }), GW) });
    await until(() => b.node.table.size === 1);
    expect(b.node.neighbourUp(A.id)).toBe(true);

    // A leaves gracefully: B withdraws its routes at once, well before the hold time.
    await a.app.close();
    running.splice(running.findIndex((r) => r.app === a.app), 1);
    await until(() => b.node.table.size === 0, 5000);
  });

  it('withdraws the routes of a neighbour that went silent after the hold time', async () => {
    const a = await start(A);
    const b = await start(B);
    a.node.setNeighbours([neighbour({ code: B.code, url: b.url }, 'peer')]);
    b.node.setNeighbours([neighbour({ code: A.code, url: a.url }, 'peer')]);
    a.node.start();
    b.node.start();
    await a.app.inject({ method: 'POST', url: '/v1/publish', ...signed(publication(), GW) });
    await until(() => b.node.table.size === 2);
    // A dies without a word.
    await a.node.stop(false);
    a.app.server.closeAllConnections();
    await a.app.close();
    running.splice(running.findIndex((r) => r.app === a.app), 1);
    await until(() => b.node.table.size === 0, 3000);
    expect(b.node.neighbourUp(A.id)).toBe(false);
  });

  it('refuses updates that are forged, replayed, misaddressed or carry paths not starting with the sender; asks for a full table after a gap', async () => {
    const b = await start(B);
    b.node.setNeighbours([neighbour({ code: A.code, url: 'http://127.0.0.1:9' }, 'peer')]);
    const update = (over: Partial<PeerUpdate>): PeerUpdate => ({
      v: 1, from: A.id, to: B.id, session: 5, seq: 1, ts: Date.now(), holdMs: 60_000, full: true,
      announce: [{ path: [A.id], destinations: ['H330100001/echo'] }], withdraw: [], ...over,
    });
    const post = (u: PeerUpdate, by: HopSigner = A) => b.app.inject({ method: 'POST', url: '/v1/peer/update', ...signed(u, by) });

    expect((await post(update({}))).json()).toEqual({ resync: false });
    expect(b.node.table.lookup('H330100001/echo')?.source).toBe(A.id);
    expect((await post(update({}))).json()).toMatchObject({ code: 'PEER_REPLAY' });
    expect((await post(update({ seq: 2 }), B)).json()).toMatchObject({ code: 'PEER_UNKNOWN' }); // B is not its own neighbour
    expect((await post(update({ seq: 2, announce: [] }), GW)).statusCode).toBe(403);
    const forged = signed(update({ seq: 2 }), CALLER, A);
    expect((await b.app.inject({ method: 'POST', url: '/v1/peer/update', ...forged })).statusCode).toBe(401);
    expect((await post(update({ seq: 2, to: A.id }))).statusCode).toBe(421);
    expect((await post(update({ seq: 2, announce: [{ path: [GW.id], destinations: ['H1/x'] }] }))).json()).toMatchObject({ code: 'BAD_REQUEST' });
    // seq 3 after 1: a message was lost, so an incremental update is not applied.
    expect((await post(update({ seq: 3, full: false, withdraw: ['H330100001/echo'], announce: [] }))).json()).toEqual({ resync: true });
    expect(b.node.table.size).toBe(1);
    // A path through B itself is a loop: dropped.
    expect((await post(update({ seq: 4, announce: [{ path: [A.id, B.id], destinations: ['H2/echo'] }] }))).json()).toEqual({ resync: false });
    expect(b.node.table.lookup('H2/echo')).toBeUndefined();
  });
});

describe('routing node: refusals on the forwarding path', () => {
  it('answers coded 4xx errors for unknown destinations, bad bodies and oversized bodies', async () => {
    const { app, node } = await start(A, { bodyBytes: 4096 });
    await app.inject({ method: 'POST', url: '/v1/publish', ...signed(publication(), GW) });
    const request = { method: 'GET', path: '/x' };
    const hop0 = originHop(CALLER, '0199a0f0000070008000000000000001', A.id, toHex(requestDigest(request.method, request.path)));
    const forward = (institution: string, service: string, extra: object = {}) =>
      app.inject({ method: 'POST', url: '/v1/forward', payload: { destination: { institution, service }, request, hops: [hop0], ...extra } });

    let res = await forward('H404', 'echo');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ROUTE_UNKNOWN_INSTITUTION', by: A.id });
    res = await forward('H330100001', 'nope');
    expect(res.json()).toMatchObject({ code: 'ROUTE_UNKNOWN_SERVICE' });
    res = await forward('H330100001', 'echo', { extra: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    res = await app.inject({ method: 'POST', url: '/v1/forward', payload: { destination: { institution: 'H1', service: 'echo' }, request: { ...request, body: 'x'.repeat(5000) }, hops: [hop0] } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    res = await app.inject({ method: 'POST', url: '/v1/forward', headers: { 'content-type': 'application/json' }, payload: '{"destination":' });
    expect(res.statusCode).toBe(400);
    // The route exists, but the gateway behind it is unreachable (port 9): 502, and the route is withdrawn.
    res = await forward('H330100001', 'echo');
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'ROUTE_UNREACHABLE' });
    expect(node.table.size).toBe(0);

    res = await app.inject({ method: 'GET', url: '/v1/traces/00000000000000000000000000000000' });
    expect(res.json()).toMatchObject({ code: 'TRACE_NOT_FOUND' });
    res = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(res.statusCode).toBe(404);
  });

  it('serves health and Prometheus metrics', async () => {
    const { app } = await start(A);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toMatchObject({ status: 'ok', code: 'RN-A', id: A.id, routes: 0 });
    await app.inject({ method: 'POST', url: '/v1/forward', payload: {} });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('evidence_node_routes{node="RN-A"} 0');
    expect(metrics.body).toContain('evidence_node_neighbours_up{node="RN-A"} 0');
  });
});
