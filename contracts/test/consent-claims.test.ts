/**
 * ConsentRegistry and ClaimVerifier together: a patient's grant recorded by
 * the gateway against its anchored consent leaf, and insurers' claims checked
 * against anchored roots, consent and policy: the valid claim and every
 * refusal, each with its own custom error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindCode, toHex, uuidv7, type Leaf } from '@evidence/core';
import type { Wallet } from 'ethers';
import {
  consentStatus,
  grantConsent,
  revokeConsent,
  setInsurerPolicy,
  submitClaim,
  type ClaimItem,
  type EvidenceLocation,
} from '../src/index.js';
import { anchorBatch, buildBatch, type AnchoredBatchFixture } from './evidence-batch.js';
import { deploySystem, type GatewayIdentity, type System } from './fixture.js';

const subject = '5a'.repeat(32);
const otherSubject = '6b'.repeat(32);
const DAY_MS = 86_400_000;

describe('consent and claims', () => {
  let system: System;
  let gw: GatewayIdentity;
  let insurer: Wallet;
  let secondInsurer: Wallet;
  let batch: AnchoredBatchFixture;
  let consents: { signer: Wallet; address: string };
  let claimsAs: (w: Wallet) => { signer: Wallet; address: string };
  /** index of the first leaf of a kind (and subject) in `batch` */
  let at: (kind: string, who?: string) => number;
  const item = (b: AnchoredBatchFixture, i: number): ClaimItem => ({ leaf: b.leaves[i]!, location: b.location(i) });
  const claimId = () => toHex(uuidv7()).padEnd(64, '0');
  const chainNowMs = async () => (await system.chain.provider.getBlock('latest'))!.timestamp * 1000;

  beforeAll(async () => {
    system = await deploySystem();
    gw = await system.addGateway('H330100001', 1);
    insurer = system.chain.wallet(3);
    secondInsurer = system.chain.wallet(4);
    batch = await anchorBatch(system, gw, [
      { kind: 'consent', subject },
      { kind: 'prescription', subject },
      { kind: 'payment', subject },
      { kind: 'registration', subject },
      { kind: 'consultation', subject },
      { kind: 'prescription', subject: otherSubject },
      { kind: 'consent', subject },
      { kind: 'consent', subject },
      { kind: 'prescription', subject },
    ]);
    at = (kind, who = subject) => batch.leaves.findIndex((l) => l.kind === kindCode(kind) && l.subject === who);
    consents = { signer: gw.wallet, address: system.deployment.contracts.ConsentRegistry };
    claimsAs = (w) => ({ signer: w, address: system.deployment.contracts.ClaimVerifier });
    const policyAdmin = claimsAs(system.admin);
    await setInsurerPolicy(policyAdmin, { insurer: insurer.address, requiredKinds: ['prescription', 'payment'] });
    await setInsurerPolicy(policyAdmin, { insurer: secondInsurer.address, requiredKinds: ['prescription'] });
  });
  afterAll(() => system.close());

  const grant = async (patch: Partial<{ consent: Leaf; location: EvidenceLocation; grantee: string; kinds: (string | number)[]; expiresAt: number }> = {}, as = consents) =>
    grantConsent(as, {
      consent: batch.leaves[0]!,
      location: batch.location(0),
      grantee: insurer.address,
      kinds: ['prescription', 'payment', 'consultation'],
      expiresAt: (await chainNowMs()) + DAY_MS,
      ...patch,
    });

  const rejects = (p: Promise<unknown>, code: string, name: string) =>
    expect(p).rejects.toMatchObject({ code, revert: { name } });

  describe('recording a grant', () => {
    it('only the gateway account records grants', async () => {
      await rejects(grant({}, { signer: insurer, address: consents.address }), 'CONSENT_REJECTED', 'ConsentRegistry__NotGatewayAccount');
    });

    it('needs a consent leaf, anchored, with a valid proof', async () => {
      await rejects(grant({ consent: batch.leaves[1]!, location: batch.location(1) }), 'CONSENT_REJECTED', 'ConsentRegistry__NotConsentEvidence');
      await rejects(grant({ location: { ...batch.location(0), seq: 7 } }), 'CONSENT_REJECTED', 'ConsentRegistry__BatchNotAnchored');
      const forged = { ...batch.leaves[0]!, commitment: 'ff'.repeat(32) };
      await rejects(grant({ consent: forged }), 'CONSENT_REJECTED', 'ConsentRegistry__InvalidProof');
      await rejects(grant({ location: { ...batch.location(0), index: 1 } }), 'CONSENT_REJECTED', 'ConsentRegistry__InvalidProof');
    });

    it('needs a future expiry and a non-empty set of defined kinds', async () => {
      await rejects(grant({ expiresAt: (await chainNowMs()) - 1 }), 'CONSENT_REJECTED', 'ConsentRegistry__AlreadyExpired');
      await rejects(grant({ kinds: [] }), 'CONSENT_REJECTED', 'ConsentRegistry__InvalidKinds');
      await expect(grant({ kinds: ['teleportation'] })).rejects.toMatchObject({ code: 'EVIDENCE_UNKNOWN_KIND' });
      await rejects(grant({ grantee: `0x${'00'.repeat(20)}` }), 'CONSENT_REJECTED', 'ConsentRegistry__ZeroGrantee');
    });

    it('records a valid grant, active for the granted kinds only', async () => {
      const expiresAt = (await chainNowMs()) + DAY_MS;
      await grant({ expiresAt });
      const reader = { runner: system.chain.provider, address: consents.address };
      expect(await consentStatus(reader, { gateway: gw.id, subject, grantee: insurer.address })).toEqual({
        status: 'active',
        kinds: [5, 7, 8],
        expiresAt,
        evidenceId: batch.leaves[0]!.id,
      });
      const registry = system.contract('ConsentRegistry');
      const isActive = (mask: number) => registry.getFunction('isActive')(`0x${gw.id}`, `0x${subject}`, insurer.address, mask);
      expect(await isActive((1 << 5) | (1 << 8))).toBe(true);
      expect(await isActive((1 << 5) | (1 << 1))).toBe(false);
      expect(await consentStatus(reader, { gateway: gw.id, subject, grantee: secondInsurer.address })).toMatchObject({ status: 'none' });
    });

    it('refuses to reuse a consent leaf for another grant', async () => {
      await rejects(grant({ grantee: secondInsurer.address }), 'CONSENT_REJECTED', 'ConsentRegistry__EvidenceReused');
    });
  });

  describe('claims', () => {
    let firstClaim: string;

    it('verifies a valid claim and records which claim used each evidence id', async () => {
      firstClaim = claimId();
      const verdict = await submitClaim(claimsAs(insurer), {
        claimId: firstClaim,
        subject,
        items: [item(batch, at('prescription')), item(batch, at('payment'))],
      });
      expect(verdict).toMatchObject({ verified: true, claimId: firstClaim, kinds: [5, 8], items: 2 });
      const verifier = system.contract('ClaimVerifier');
      const claim = await verifier.getFunction('claimOf')(`0x${firstClaim}`);
      expect([claim.insurer, claim.subject, claim.items]).toEqual([insurer.address, `0x${subject}`, 2n]);
      const used = await verifier.getFunction('claimOfEvidence')(`0x${gw.id}`, `0x${batch.leaves[at('payment')]!.id}`);
      expect(used).toBe(`0x${firstClaim}`);
    });

    it('refuses an evidence id already used by another claim, and a reused claim id', async () => {
      const reused = submitClaim(claimsAs(insurer), {
        claimId: claimId(),
        subject,
        items: [item(batch, 8), item(batch, at('payment'))],
      });
      await rejects(reused, 'CLAIM_REJECTED', 'ClaimVerifier__EvidenceAlreadyClaimed');
      await reused.catch((e: { revert: { args: Record<string, unknown> } }) => {
        expect(e.revert.args).toMatchObject({ item: 1n, claimId: `0x${firstClaim}` });
      });
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: firstClaim, subject, items: [item(batch, 8)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__ClaimExists',
      );
    });

    it('refuses the same evidence twice in one claim', async () => {
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [item(batch, 8), item(batch, 8)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__EvidenceAlreadyClaimed',
      );
    });

    it("refuses a claim missing a kind the insurer's policy requires", async () => {
      const missing = submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [item(batch, 8)] });
      await rejects(missing, 'CLAIM_REJECTED', 'ClaimVerifier__MissingRequiredKinds');
      await missing.catch((e: { revert: { args: Record<string, unknown> } }) => expect(e.revert.args.missing).toBe(BigInt(1 << 8)));
    });

    it('refuses evidence of a kind the patient did not grant', async () => {
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [item(batch, at('registration'))] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__KindNotConsented',
      );
    });

    it("refuses another patient's evidence", async () => {
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [item(batch, at('prescription', otherSubject))] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__SubjectMismatch',
      );
    });

    it('refuses a proof against a root that was never anchored', async () => {
      // A batch the gateway built and never anchored: its seq has no root on chain...
      const unanchored = buildBatch(gw, 5, '00'.repeat(32), [{ kind: 'prescription', subject }, { kind: 'payment', subject }]);
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [item(unanchored, 0), item(unanchored, 1)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__BatchNotAnchored',
      );
      // ...and claimed under an anchored seq, its proof does not reach that root.
      const relabelled = { leaf: unanchored.leaves[0]!, location: { ...unanchored.location(0), seq: 0 } };
      await rejects(
        submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [relabelled] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__InvalidProof',
      );
    });

    it('refuses a tampered leaf or path', async () => {
      const i = at('consultation');
      const tamperedLeaf = { leaf: { ...batch.leaves[i]!, ts: batch.leaves[i]!.ts + 1 }, location: batch.location(i) };
      const path = [...batch.location(i).path];
      path[0] = path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const tamperedPath = { leaf: batch.leaves[i]!, location: { ...batch.location(i), path } };
      for (const bad of [tamperedLeaf, tamperedPath]) {
        await rejects(submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [bad] }), 'CLAIM_REJECTED', 'ClaimVerifier__InvalidProof');
      }
    });

    it('refuses unknown insurers, empty and oversized claims', async () => {
      await rejects(
        submitClaim(claimsAs(system.chain.wallet(9)), { claimId: claimId(), subject, items: [item(batch, 8)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__UnknownInsurer',
      );
      await rejects(submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [] }), 'CLAIM_REJECTED', 'ClaimVerifier__BadItemCount');
      const many = Array.from({ length: 65 }, () => item(batch, 8));
      await rejects(submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: many }), 'CLAIM_REJECTED', 'ClaimVerifier__BadItemCount');
    });

    it('refuses a claim without any consent of the patient to this insurer', async () => {
      await rejects(
        submitClaim(claimsAs(secondInsurer), { claimId: claimId(), subject, items: [item(batch, 8)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__ConsentMissing',
      );
    });

    it('refuses a claim under an expired consent', async () => {
      await grant({ consent: batch.leaves[6]!, location: batch.location(6), grantee: secondInsurer.address, expiresAt: (await chainNowMs()) + 60_000 });
      const reader = { runner: system.chain.provider, address: consents.address };
      expect((await consentStatus(reader, { gateway: gw.id, subject, grantee: secondInsurer.address })).status).toBe('active');
      await system.chain.increaseTime(120);
      expect((await consentStatus(reader, { gateway: gw.id, subject, grantee: secondInsurer.address })).status).toBe('expired');
      await rejects(
        submitClaim(claimsAs(secondInsurer), { claimId: claimId(), subject, items: [item(batch, 8)] }),
        'CLAIM_REJECTED',
        'ClaimVerifier__ConsentExpired',
      );
    });

    it('refuses a claim under a revoked consent; a fresh grant restores it', async () => {
      const revocationId = toHex(uuidv7());
      await revokeConsent(consents, { gateway: gw.id, subject, grantee: insurer.address, evidenceId: revocationId });
      const reader = { runner: system.chain.provider, address: consents.address };
      expect((await consentStatus(reader, { gateway: gw.id, subject, grantee: insurer.address })).status).toBe('revoked');
      await rejects(
        revokeConsent(consents, { gateway: gw.id, subject, grantee: insurer.address, evidenceId: revocationId }),
        'CONSENT_REJECTED',
        'ConsentRegistry__AlreadyRevoked',
      );
      const items = [item(batch, 8), item(batch, at('payment'))];
      // payment was used by the first claim; a fresh batch brings new evidence.
      const next = await anchorBatch(system, gw, [
        { kind: 'payment', subject },
        { kind: 'consent', subject },
      ]);
      const claim = { claimId: claimId(), subject, items: [items[0]!, item(next, 0)] };
      await rejects(submitClaim(claimsAs(insurer), claim), 'CLAIM_REJECTED', 'ClaimVerifier__ConsentRevoked');
      await grant({ consent: next.leaves[1]!, location: next.location(1) });
      expect(await submitClaim(claimsAs(insurer), claim)).toMatchObject({ verified: true, kinds: [5, 8] });
    });

    it('only the policy admin sets policies', async () => {
      await rejects(
        setInsurerPolicy(claimsAs(insurer), { insurer: insurer.address, requiredKinds: [] }),
        'CLAIM_REJECTED',
        'AccessControlUnauthorizedAccount',
      );
    });
  });
});
