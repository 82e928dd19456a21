/**
 * The insurer's flow end to end, through HTTP and a real chain (Hardhat
 * JSON-RPC): a patient's consent recorded and anchored at the hospital's
 * gateway and put on ConsentRegistry; the insurer asks for a claim package
 * (signed with the account the consent names), gets the disclosed items with
 * proofs, and submits it to ClaimVerifier with `evidence claim submit` (the
 * CLI as a process) and with submitClaimPackage. Every refusal on the way has
 * its code: wrong kind, consent mismatch, unsigned or stale requests, kinds
 * not consented, two patients, a revoked consent, a tampered package, a
 * second claim on the same evidence.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityId, toHex, verifyBundle } from '@evidence/core';
import {
  claimRequestMessage,
  localAccounts,
  parseClaimPackage,
  requestClaimPackage,
  revokeConsent,
  setInsurerPolicy,
  signClaimRequest,
  submitClaimPackage,
  type ClaimPackage,
} from '@evidence/contracts';
import { tokenDigest } from '@evidence/gateway';
import { JsonRpcProvider, Wallet } from 'ethers';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { baseEnv, DEV_TOKEN, evmEnv, gatewayPublicKey, settled, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';

const BIN = fileURLToPath(new URL('../../core/bin/evidence.js', import.meta.url));
const DAY = 86_400_000;

async function evidence(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('insurer claims through a gateway and ClaimVerifier', () => {
  const dir = tempDir('claims-');
  const code = 'H330100001';
  const gatewayId = toHex(entityId(code));
  const HIS_TOKEN = 'his-token-recorder-only-0001';
  let evm: RpcEvm;
  let gw: RunningGateway;
  let provider: JsonRpcProvider;
  let insurer: Wallet;
  let otherInsurer: Wallet;
  const ids: Record<string, string> = {};
  const now = Date.now();

  const record = async (kind: string, payload: Record<string, unknown>, patient = '330102198001010011') => {
    const r = await gw.client.post<{ id: string }>('/v1/evidence', { kind, subject: { idNumber: patient }, payload });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.id;
  };
  const packageRequest = async (evidenceIds: string[], signer: Wallet = insurer, issuedAt = Date.now()) =>
    signClaimRequest(signer, gatewayId, { evidenceIds, issuedAt });

  beforeAll(async () => {
    evm = await rpcEvm();
    provider = new JsonRpcProvider(evm.rpcUrl, 31337, { staticNetwork: true });
    insurer = new Wallet(localAccounts()[5]!.privateKey, provider);
    otherInsurer = new Wallet(localAccounts()[6]!.privateKey, provider);
    const governor = new Wallet(localAccounts()[0]!.privateKey, provider);
    for (const w of [insurer, otherInsurer]) {
      await setInsurerPolicy({ signer: governor, address: evm.deployment.contracts.ClaimVerifier }, { insurer: w.address, requiredKinds: ['prescription'] });
    }
    const dataDir = join(dir.path, 'data');
    await evm.register(code, await gatewayPublicKey(dataDir), 1);
    const clientsFile = join(dir.path, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({ clients: [{ id: 'his', name: 'HIS', roles: ['recorder'], tokenSm3: tokenDigest(HIS_TOKEN) }] }));
    gw = await startGateway(
      baseEnv(code, dataDir, {
        ...evmEnv(evm.rpcUrl, evm.address, accountKey(1), evm.deployment.block),
        EVM_CONSENT_REGISTRY: evm.deployment.contracts.ConsentRegistry,
        BATCH_MAX_AGE_MS: '50',
        CLIENTS_FILE: clientsFile,
      }),
    );
    ids.prescription = await record('prescription', { prescriptionId: 'RX-9', state: 'issued', at: now, actor: 'D1001', actorRole: 'doctor' });
    ids.payment = await record('payment', { transactionId: 'PAY-9', type: 'payment', amount: '36.50', currency: 'CNY', status: 'succeeded', method: 'wechat', orderId: 'RX-9', at: now });
    ids.consultation = await record('consultation', { consultationId: 'WZ-9', mode: 'video', practitioner: 'D1001', startedAt: now, digests: [{ type: 'summary', sm3: 'ab'.repeat(32) }] });
    ids.consent = await record('consent', {
      action: 'grant',
      grantee: 'INS-PICC',
      granteeType: 'insurer',
      scope: ['prescription', 'payment'],
      purpose: '理赔审核',
      at: now,
      expiresAt: now + 90 * DAY,
      ext: { granteeAccount: insurer.address },
    });
    ids.otherPatient = await record('payment', { transactionId: 'PAY-10', type: 'payment', amount: '1.00', currency: 'CNY', status: 'succeeded', method: 'alipay', orderId: 'X', at: now }, '330102198001010022');
    await settled(gw.client);
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    provider?.destroy();
    await evm?.close();
    dir.remove();
  });

  it('puts the recorded consent on chain; refuses requests the recorded consent does not support', async () => {
    const grant = (body: Record<string, unknown>) => gw.client.post<{ code?: string; tx?: { txHash: string } }>('/v1/consents/grants', body);
    expect((await grant({ evidenceId: ids.payment, grantee: insurer.address, kinds: ['payment'] })).body.code).toBe('EVIDENCE_WRONG_KIND');
    expect((await grant({ evidenceId: ids.consent, grantee: otherInsurer.address, kinds: ['payment'] })).body.code).toBe('CONSENT_MISMATCH');
    expect((await grant({ evidenceId: ids.consent, grantee: insurer.address, kinds: ['consultation'] })).body.code).toBe('CONSENT_MISMATCH');
    expect((await grant({ evidenceId: ids.consent, grantee: insurer.address, kinds: ['payment'], expiresAt: now + 365 * DAY })).body.code).toBe('CONSENT_MISMATCH');
    expect((await grant({ evidenceId: ids.consent, grantee: 'not-an-address', kinds: ['payment'] })).body.code).toBe('VALIDATION_FAILED');
    expect((await grant({ evidenceId: 'ab'.repeat(16), grantee: insurer.address, kinds: ['payment'] })).body.code).toBe('EVIDENCE_NOT_FOUND');

    const ok = await grant({ evidenceId: ids.consent, grantee: insurer.address, kinds: ['prescription', 'payment'] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ evidenceId: ids.consent, grantee: insurer.address.toLowerCase(), expiresAt: now + 90 * DAY, tx: { txHash: expect.stringMatching(/^0x/) } });
    // The registry refuses the same consent evidence twice.
    const again = await grant({ evidenceId: ids.consent, grantee: insurer.address, kinds: ['payment'] });
    expect([again.status, again.body.code]).toEqual([409, 'CONSENT_REJECTED']);
  });

  let pkg: ClaimPackage;

  it('gives the consenting insurer a package of disclosed items with proofs (the insurer API)', async () => {
    pkg = await requestClaimPackage({ gatewayUrl: gw.url, token: DEV_TOKEN, signer: insurer, evidenceIds: [ids.prescription!, ids.payment!] });
    expect(pkg).toMatchObject({ format: 'evidence-claim/1', gateway: { code, id: gatewayId }, insurer: insurer.address.toLowerCase(), consent: { status: 'active', kinds: [5, 8] } });
    expect(pkg.items.map((i) => i.kind)).toEqual(['prescription', 'payment']);
    for (const item of pkg.items) {
      expect(verifyBundle(item.bundle)).toMatchObject({ valid: true });
      expect(item.bundle.disclosure?.payload).toBeDefined();
    }
    expect(pkg.items[0]!.bundle.disclosure!.payload).toMatchObject({ prescriptionId: 'RX-9' });
    expect(pkg.claim.items.map((i) => i.leaf.id)).toEqual([ids.prescription, ids.payment]);
  });

  it('refuses package requests it must not answer, each with its code', async () => {
    const post = (body: unknown, token = DEV_TOKEN) =>
      fetch(`${gw.url}/v1/claims/package`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => [r.status, ((await r.json()) as { code: string }).code],
      );
    const good = await packageRequest([ids.prescription!]);
    expect(await post(good, HIS_TOKEN)).toEqual([403, 'AUTH_FORBIDDEN']);
    // Signed by another account than the one named: no disclosure to whoever holds these credentials.
    const forged = { ...(await packageRequest([ids.prescription!], otherInsurer)), insurer: insurer.address };
    expect(await post(forged)).toEqual([401, 'INSURER_SIGNATURE_INVALID']);
    // The signature covers the ids: adding one breaks it.
    expect(await post({ ...good, evidenceIds: [ids.prescription, ids.payment] })).toEqual([401, 'INSURER_SIGNATURE_INVALID']);
    expect(await post(await packageRequest([ids.prescription!], insurer, Date.now() - 3_600_000))).toEqual([401, 'INSURER_SIGNATURE_INVALID']);
    expect(await post(await packageRequest([ids.consultation!]))).toEqual([403, 'CONSENT_NOT_ACTIVE']);
    expect(await post(await packageRequest([ids.prescription!, ids.otherPatient!]))).toEqual([400, 'CLAIM_SUBJECT_MISMATCH']);
    expect(await post(await packageRequest([ids.prescription!], otherInsurer))).toEqual([403, 'CONSENT_NOT_ACTIVE']);
    expect(await post(await packageRequest(['cd'.repeat(16)]))).toEqual([404, 'EVIDENCE_NOT_FOUND']);
    expect(await post({ ...good, extra: 1 })).toEqual([400, 'VALIDATION_FAILED']);
    expect(claimRequestMessage(gatewayId, good)).toContain(`evidence:${ids.prescription}`);
  });

  it('evidence claim submit: verified on chain, then refused as a duplicate; a tampered package and the wrong key are invalid', async () => {
    const file = join(dir.path, 'package.json');
    writeFileSync(file, JSON.stringify(pkg));
    const args = ['--rpc', evm.rpcUrl, '--contract', evm.deployment.contracts.ClaimVerifier];
    const r = await evidence('claim', 'submit', file, ...args, '--key', localAccounts()[5]!.privateKey, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file, verified: true, claimId: pkg.claim.claimId, kinds: [5, 8], items: 2, txHash: expect.stringMatching(/^0x/) });

    const twice = await evidence('claim', 'submit', file, ...args, '--key', localAccounts()[5]!.privateKey);
    expect(twice.code).toBe(1);
    expect(twice.stdout).toMatch(/✗ 被合约拒绝 REJECTED by ClaimVerifier: ClaimVerifier__ClaimExists/);

    const tampered = structuredClone(pkg);
    (tampered.items[1]!.bundle.disclosure!.payload as { amount: string }).amount = '3650.00';
    const tamperedFile = join(dir.path, 'tampered.json');
    writeFileSync(tamperedFile, JSON.stringify(tampered));
    const bad = await evidence('claim', 'submit', tamperedFile, ...args, '--key', localAccounts()[5]!.privateKey, '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).reason).toMatch(/CLAIM_PACKAGE_INVALID: claim package: items\[1\]: the proof bundle does not verify \(disclosure/);

    const wrongKey = await evidence('claim', 'submit', file, ...args, '--key', localAccounts()[6]!.privateKey, '--json');
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stdout).reason).toMatch(/prepared for insurer/);

    expect((await evidence('claim', 'submit', file, '--rpc', evm.rpcUrl, '--key', localAccounts()[5]!.privateKey)).code).toBe(2);
    expect((await evidence('claim', 'submit', join(dir.path, 'missing.json'), ...args, '--key', localAccounts()[5]!.privateKey)).code).toBe(2);
    expect((await evidence('claim', 'submit', file, '--rpc', 'http://127.0.0.1:9', '--contract', evm.deployment.contracts.ClaimVerifier, '--key', localAccounts()[5]!.privateKey)).code).toBe(2);
  });

  it('submitClaimPackage: evidence already claimed is a verdict, not an exception', async () => {
    const second = await requestClaimPackage({ gatewayUrl: gw.url, token: DEV_TOKEN, signer: insurer, evidenceIds: [ids.prescription!], claimId: 'ee'.repeat(32) });
    const verdict = await submitClaimPackage(second, { rpcUrl: evm.rpcUrl, privateKey: localAccounts()[5]!.privateKey, deployment: evm.deployment });
    expect(verdict).toMatchObject({ verified: false, code: 'CLAIM_REJECTED', revert: { name: 'ClaimVerifier__EvidenceAlreadyClaimed' } });
    expect(() => parseClaimPackage({ ...second, claim: { ...second.claim, subject: 'ab'.repeat(32) } })).toThrow(/claim.subject differs/);
  });

  it('once the patient revokes the consent on chain, no more packages', async () => {
    const revocation = await record('consent', { action: 'revoke', grantee: 'INS-PICC', granteeType: 'insurer', scope: ['prescription', 'payment'], at: Date.now() });
    const gatewayAccount = new Wallet(accountKey(1), provider);
    const subject = pkg.subject;
    await revokeConsent({ signer: gatewayAccount, address: evm.deployment.contracts.ConsentRegistry }, { gateway: gatewayId, subject, grantee: insurer.address, evidenceId: revocation });
    const res = await fetch(`${gw.url}/v1/claims/package`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(await packageRequest([ids.payment!])),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'CONSENT_NOT_ACTIVE', message: expect.stringContaining('revoked') });
  });
});
