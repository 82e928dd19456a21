/**
 * Practitioner credentials across institutions, end to end through HTTP, the
 * routing network and a real chain (Hardhat JSON-RPC): institution B's admin
 * issues, suspends and revokes its pharmacists' credentials through B's
 * gateway (each change on CredentialRegistry and recorded as `credential`
 * evidence); B's pharmacist reviews a prescription issued at A through the
 * network, and A's gateway records the review signature only while the
 * credential is active on chain at the signing time. Every refusal is a coded
 * 4xx, and A records no signature for it, only the signed trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3, toHex, utf8 } from '@evidence/core';
import { loadOrCreateKeys, tokenDigest } from '@evidence/gateway';
import { JsonRpcProvider } from 'ethers';
import { startNetwork, type Network } from '../../scripts/topologies/network.js';
import type { Topology } from '../../scripts/topologies/topology.js';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';

const A = 'H330100001';
const B = 'H330100002';
const TOPOLOGY: Topology = {
  name: 'review',
  nodes: [{ code: 'RN-T' }],
  links: [],
  gateways: [
    { code: A, node: 'RN-T', services: [{ name: 'rx.review', path: '/rx', allow: '*' }] },
    { code: B, node: 'RN-T', services: [{ name: 'echo', path: '/echo', allow: '*' }] },
  ],
};
const DAY = 86_400_000;
const HIS_TOKEN = 'his-token-recorder-only-0002';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('pharmacist credentials and the cross-institution review check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-'));
  let evm: RpcEvm;
  let net: Network;
  let rxId: string;
  let doctorRx: string;
  let provider: JsonRpcProvider;
  const chainNow = async () => (await provider.getBlock('latest'))!.timestamp * 1000;

  const http = async (code: string, method: string, path: string, body?: unknown, token = net.token): Promise<Reply> => {
    const res = await fetch(`${net.gateways.get(code)!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const pharmacist = (number: string, practitionerId = 'PH-B-01') => ({
    practitionerId,
    credentialType: 'pharmacist-license',
    number,
    issuer: '浙江省药品监督管理局',
  });
  const issue = (number: string, role = 'pharmacist', practitionerId = 'PH-B-01') =>
    http(B, 'POST', '/v1/credentials', { ...pharmacist(number, practitionerId), role, validUntil: Date.now() + 365 * DAY });
  /** B's pharmacy system sends the review through the network; signed now, or after the chain's latest change. */
  const review = async (credentialNumber: string, over: Record<string, unknown> = {}) => {
    const signedAt = Math.max(Date.now(), (await chainNow()) + 1);
    const res = await net.call(B, A, 'rx.review', '/review', {
      body: {
        prescription: { evidenceId: rxId, prescriptionId: 'RX-2026-0042' },
        pharmacist: { practitionerId: 'PH-B-01', credentialNumber },
        decision: 'reviewed',
        documentDigest: 'dd'.repeat(32),
        signedAt,
        algorithm: 'sm2',
        signatureValue: 'ab'.repeat(64),
        ...over,
      },
    });
    return { status: res.status, answer: (res.body.response as { status: number; body: Record<string, unknown> } | undefined)?.body ?? res.body };
  };
  const recordedSignatures = async () => {
    const text = await (await fetch(`${net.gateways.get(A)!.url}/metrics`, { headers: { authorization: `Bearer ${net.token}` } })).text();
    return Number(/evidence_recorded_total\{[^}]*kind="signature"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    evm = await rpcEvm();
    // No response cache: the latest block a moment ago may not be the latest now.
    provider = new JsonRpcProvider(evm.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    // The gateways' keys exist before the network starts, so both can be registered on chain first.
    for (const [i, code] of [A, B].entries()) {
      const keys = await loadOrCreateKeys(join(dir, 'gateways', code));
      await evm.register(code, keys.sm2.publicKey, i + 1);
    }
    const clientsFile = join(dir, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({ clients: [{ id: 'his', name: 'HIS', roles: ['recorder'], tokenSm3: tokenDigest(HIS_TOKEN) }] }));
    net = await startNetwork(TOPOLOGY, {
      dir,
      timers: { keepaliveMs: 200, holdMs: 1500 },
      gatewayConfig: (code) => ({
        EVM_RPC_URL: evm.rpcUrl,
        EVM_PRIVATE_KEY: accountKey(code === A ? 1 : 2),
        EVM_CREDENTIAL_REGISTRY: evm.deployment.contracts.CredentialRegistry,
        CLIENTS_FILE: clientsFile,
      }),
    });
    await net.converged();
    const rx = await http(A, 'POST', '/v1/evidence', {
      kind: 'prescription',
      subject: { idNumber: '330102198001010033' },
      payload: { prescriptionId: 'RX-2026-0042', state: 'issued', at: Date.now(), actor: 'D1001', actorRole: 'doctor', contentDigest: 'dd'.repeat(32) },
    });
    expect(rx.status).toBe(202);
    rxId = rx.body.id as string;
    const other = await http(A, 'POST', '/v1/evidence', {
      kind: 'payment',
      subject: { idNumber: '330102198001010033' },
      payload: { transactionId: 'PAY-42', type: 'payment', amount: '9.90', currency: 'CNY', status: 'succeeded', method: 'wechat', orderId: 'RX-2026-0042', at: Date.now() },
    });
    doctorRx = other.body.id as string;
    // The review service answers once publications reached the node.
    for (let i = 0; i < 100 && (await net.call(B, A, 'rx.review', '/review', { body: {} })).status === 404; i++) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);

  afterAll(async () => {
    await net?.stop();
    provider?.destroy();
    await evm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("B's admin issues a pharmacist credential: on chain and recorded as credential evidence", async () => {
    const r = await issue('PH330100002-0001');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'active', tx: { txHash: expect.stringMatching(/^0x/) }, credentialId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const recorded = await http(B, 'GET', `/v1/evidence/${r.body.evidenceId as string}`);
    expect(recorded.body).toMatchObject({ kind: 'credential' });
    const view = await http(A, 'GET', `/v1/credentials/${r.body.credentialId as string}`);
    expect(view.body).toMatchObject({ status: 'active', credential: { role: 'pharmacist', issuer: net.gateways.get(B)!.id } });
    // Only admins; a credential number is issued once.
    expect((await http(B, 'POST', '/v1/credentials', { ...pharmacist('X-1'), role: 'pharmacist', validUntil: Date.now() + DAY }, HIS_TOKEN)).body.code).toBe('AUTH_FORBIDDEN');
    expect((await issue('PH330100002-0001', 'doctor')).body.code).toBe('CREDENTIAL_REJECTED');
    expect((await http(B, 'POST', '/v1/credentials', { ...pharmacist('X-2'), role: 'surgeon', validUntil: Date.now() + DAY })).body.code).toBe('VALIDATION_FAILED');
    expect((await http(B, 'POST', '/v1/credentials', { ...pharmacist('X-3'), role: 'pharmacist', validFrom: Date.now(), validUntil: Date.now() - 1 })).body.code).toBe('VALIDATION_FAILED');
  });

  it('an active credential: A records the review signature and the reviewed state', async () => {
    const before = await recordedSignatures();
    const r = await review('PH330100002-0001');
    expect(r.status, JSON.stringify(r.answer)).toBe(201);
    expect(r.answer).toMatchObject({ decision: 'reviewed', credential: { status: 'active' }, recorded: { signature: expect.any(String), prescription: expect.any(String) } });
    const signature = await http(A, 'GET', `/v1/evidence/${(r.answer.recorded as { signature: string }).signature}`);
    expect(signature.body).toMatchObject({ kind: 'signature' });
    expect(await recordedSignatures()).toBe(before + 1);
  });

  it('suspended: A refuses to record the signature (403 CREDENTIAL_NOT_ACTIVE); the status before the suspension stays active', async () => {
    const beforeSuspension = await chainNow();
    const s = await http(B, 'POST', '/v1/credentials/suspend', { ...pharmacist('PH330100002-0001'), reason: '停业整顿 / under investigation' });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body).toMatchObject({ status: 'suspended', tx: { txHash: expect.any(String) } });
    expect((await http(B, 'GET', `/v1/evidence/${s.body.evidenceId as string}`)).body).toMatchObject({ kind: 'credential' });

    const before = await recordedSignatures();
    const r = await review('PH330100002-0001');
    expect(r.status).toBe(403);
    expect(r.answer).toMatchObject({ code: 'CREDENTIAL_NOT_ACTIVE', message: expect.stringContaining('suspended') });
    expect(await recordedSignatures()).toBe(before);

    const id = s.body.credentialId as string;
    expect((await http(A, 'GET', `/v1/credentials/${id}?at=${beforeSuspension}`)).body).toMatchObject({ status: 'active' });
    expect((await http(A, 'GET', `/v1/credentials/${id}`)).body).toMatchObject({ status: 'suspended' });
    // Suspending again is idempotent (a retry after a lost answer).
    expect((await http(B, 'POST', '/v1/credentials/suspend', pharmacist('PH330100002-0001'))).body).toMatchObject({ status: 'suspended', tx: null });
  });

  it('revoked, unknown, wrong role or holder, backdated: each refused with its code, no signature recorded', async () => {
    const before = await recordedSignatures();
    expect((await issue('PH330100002-0002')).status).toBe(201);
    const revoked = await http(B, 'POST', '/v1/credentials/revoke', pharmacist('PH330100002-0002'));
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    expect((await review('PH330100002-0002')).answer).toMatchObject({ code: 'CREDENTIAL_NOT_ACTIVE', message: expect.stringContaining('revoked') });
    // Revoked is final: it cannot be suspended.
    expect((await http(B, 'POST', '/v1/credentials/suspend', pharmacist('PH330100002-0002'))).body).toMatchObject({ code: 'CREDENTIAL_REJECTED' });

    expect((await review('NEVER-ISSUED')).answer).toMatchObject({ code: 'CREDENTIAL_NOT_ACTIVE', message: expect.stringContaining('unknown') });

    expect((await issue('D330100002-0003', 'doctor', 'PH-B-01')).status).toBe(201);
    expect((await review('D330100002-0003')).answer).toMatchObject({ code: 'CREDENTIAL_MISMATCH' });
    expect((await issue('PH330100002-0004', 'pharmacist', 'PH-B-99')).status).toBe(201);
    const other = await review('PH330100002-0004');
    expect([other.status, other.answer.code]).toEqual([403, 'CREDENTIAL_MISMATCH']);

    expect((await issue('PH330100002-0005')).status).toBe(201);
    const backdated = await review('PH330100002-0005', { signedAt: Date.now() - 3_600_000 });
    expect([backdated.status, backdated.answer.code]).toEqual([400, 'SIGNING_TIME_SKEW']);
    expect((await review('PH330100002-0005', { prescription: { evidenceId: doctorRx, prescriptionId: 'RX-2026-0042' } })).answer.code).toBe('EVIDENCE_WRONG_KIND');
    expect((await review('PH330100002-0005', { prescription: { evidenceId: 'ab'.repeat(16), prescriptionId: 'RX-2026-0042' } })).status).toBe(404);
    expect((await review('PH330100002-0005', { documentDigest: 'ee'.repeat(32) })).answer.code).toBe('VALIDATION_FAILED');
    expect((await review('PH330100002-0005', { decision: 'approved' })).answer.code).toBe('VALIDATION_FAILED');
    expect(await recordedSignatures()).toBe(before);
    // The same pharmacist's valid credential still works.
    expect((await review('PH330100002-0005')).status).toBe(201);
  });

  it('suspending a credential this institution never issued, or naming another holder', async () => {
    expect((await http(B, 'POST', '/v1/credentials/suspend', pharmacist('NOPE'))).body.code).toBe('CREDENTIAL_NOT_FOUND');
    expect((await http(B, 'POST', '/v1/credentials/suspend', pharmacist('PH330100002-0005', 'PH-B-02'))).body.code).toBe('CREDENTIAL_MISMATCH');
    expect((await http(A, 'GET', `/v1/credentials/${toHex(sm3(utf8('nothing')))}`)).body.code).toBe('CREDENTIAL_NOT_FOUND');
  });
});
