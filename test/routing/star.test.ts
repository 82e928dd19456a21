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

  it('calls between every pair of institutions succeed and every trace verifies', { timeout: 180_000 }, async () => {
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
        // The routing node cannot read the request: it says what it checked instead of the digest.
        expect(res.body.checks).toEqual([{ node: net.nodes.get('RN-ZJ-01')!.id, made: ['structure', 'signatures', 'digests', 'envelope', 'tlsPeer'] }]);

        const trace = res.body.trace as TraceDoc;
        expect(trace.hops.map((h) => h.type)).toEqual([1, 2, 3, 4]);
        expect(signers(trace)).toEqual([from, 'RN-ZJ-01', to, to]);
        const request = { method: 'POST', path: `/x?from=${from}`, body };
        const response = { status: 200, body: answer };
        expect(verifyDoc(trace, { request, response })).toMatchObject({ valid: true });
        expect(await verifyWithCli({ ...trace, request, response })).toMatchObject({ valid: true, failedHop: null });

        // The same trace is served by the origin gateway, the routing node and the destination gateway.
        for (const url of [net.gateways.get(from)!.url, net.nodes.get('RN-ZJ-01')!.url, net.gateways.get(to)!.url]) {
          const got = await net.get(`${url}/v1/traces/${requestId}`, { authorization: `Bearer ${net.token}` });
          expect(got.status).toBe(200);
          // (a routing node's document also says which checks it made)
          const { checks, ...doc } = got.body;
          expect(doc).toEqual(trace);
          if (url === net.nodes.get('RN-ZJ-01')!.url) expect(checks).toEqual(['structure', 'signatures', 'digests', 'envelope', 'tlsPeer']);
        }
      }
    }
  });
});

describe('star: evidence of remote calls', () => {
  let net: Network;
  beforeAll(async () => {
    net = await testNetwork(await loadTopology('star'));
    await net.converged();
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('both gateways record the trace as hop-trace evidence, the EMR\'s gateway also a record-access event', { timeout: 120_000 }, async () => {
    const body = { patient: 'p-001', idNumber: '330102199001011234', scope: ['Observation', 'Condition'] };
    const res = await net.call('H330100002', 'H330100001', 'emr.query', '/query', { body, headers: { 'x-evidence-subject-id': '330102199001011234' } });
    expect(res.status).toBe(200);
    const requestId = res.body.requestId as string;
    const trace = res.body.trace as TraceDoc;

    const recorded = async (code: string, key: string) => {
      const { gateway } = net.gateways.get(code)!;
      const entry = await gateway.store.findIdempotent('remote', key);
      expect(entry, `${code} ${key}`).not.toBeNull();
      const record = (await gateway.store.getRecord(entry!.id))!;
      const view = await fetch(`${net.gateways.get(code)!.url}/v1/evidence/${entry!.id}`, { headers: { authorization: `Bearer ${net.token}` } });
      return { record, view: (await view.json()) as { kind: string; status: string; leaf: { kind: number; subject: string } }, payload: (await gateway.ctx.evidence.openPayload(record)).payload as Record<string, unknown> };
    };

    const origin = await recorded('H330100002', `hop-trace:origin:${requestId}`);
    expect(origin.view).toMatchObject({ kind: 'hop-trace', leaf: { kind: 11 } });
    expect(origin.payload).toMatchObject({ requestId, hops: trace.hops, request: { role: 'origin', to: 'H330100001/emr.query', path: '/query' }, response: { status: 200 } });
    // The caller named the patient: the origin's evidence is filed under its pseudonym, not the zero subject.
    expect(origin.view.leaf.subject).not.toBe('0'.repeat(64));

    const destination = await recorded('H330100001', `hop-trace:destination:${requestId}`);
    expect(destination.payload).toMatchObject({ requestId, hops: trace.hops, request: { role: 'destination', from: 'H330100002' } });
    const access = await recorded('H330100001', `record-access:${requestId}`);
    expect(access.view).toMatchObject({ kind: 'record-access', leaf: { kind: 6 } });
    expect(access.payload).toMatchObject({
      resourceType: 'AuditEvent',
      action: 'E',
      outcome: '0',
      agent: [{ who: { identifier: { value: 'H330100002' } }, requestor: true }],
      source: { observer: { identifier: { value: 'H330100001' } } },
      entity: [{ what: { identifier: { value: requestId } } }],
    });
    // The EMR named the patient (internal header): the access event is about that patient.
    expect(access.view.leaf.subject).toBe(destination.view.leaf.subject);
    expect(access.view.leaf.subject).not.toBe('0'.repeat(64));

    // A service without an automatic kind records only the trace.
    const echo = await net.call('H330100002', 'H330100001', 'echo', '/x');
    const echoId = echo.body.requestId as string;
    expect(await net.gateways.get('H330100001')!.gateway.store.findIdempotent('remote', `record-access:${echoId}`)).toBeNull();

    // The records go into batches like any other evidence (anchoring is off in this test).
    const deadline = Date.now() + 5000;
    let status = '';
    while (Date.now() < deadline && status !== 'batched') {
      status = (await recorded('H330100001', `hop-trace:destination:${requestId}`)).view.status;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('batched');
  });
});
