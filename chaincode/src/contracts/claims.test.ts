/**
 * Insurer claims: every item proven against an anchored SM3 root, the patient's
 * active consent to this insurer for every kind, the policy's required kinds,
 * and each evidence item backing one claim only. Each refusal has its code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Leaf } from '@evidence/core';
import { getClaim, getClaimPolicy, grantConsent, removeInsurer, revokeConsent, setClaimPolicy, submitClaim, type ChaincodePort, type ClaimSubmission, type EvidenceItemInput } from '../index.js';
import { createEvidenceNetwork, refusalOf, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

const T0 = 1_763_800_000_000;
const DAY = 86_400_000;
let now = T0;
let net: EvidenceNetwork;
let hospital: RegisteredGateway;
let pharmacy: RegisteredGateway;
let insurer: ChaincodePort;
let insurerAccount: string;
let n = 0;
const subject = 'd1'.repeat(32);

const leaf = (gateway: string, kind: number, subj = subject): Leaf => ({
  v: 1,
  kind,
  id: (++n).toString(16).padStart(32, '0'),
  gateway,
  subject: subj,
  ts: now,
  commitment: n.toString(16).padStart(64, '0'),
});

/** Anchors a prescription (5) and a payment (8) of `subj` at the hospital; returns their items. */
async function evidence(subj = subject): Promise<{ prescription: EvidenceItemInput; payment: EvidenceItemInput; record: EvidenceItemInput }> {
  const batch = await net.anchorLeaves(hospital, [leaf(hospital.id, 5, subj), leaf(hospital.id, 8, subj), leaf(hospital.id, 6, subj)]);
  return { prescription: batch.item(0), payment: batch.item(1), record: batch.item(2) };
}

async function consent(kinds: number[], subj = subject, expiresAt = now + 30 * DAY, at = hospital): Promise<string> {
  const batch = await net.anchorLeaves(at, [leaf(at.id, 9, subj)]);
  const g = await grantConsent(at.port, { gateway: at.id, grantee: insurerAccount, kinds, expiresAt, evidence: batch.item(0) });
  return g.id;
}

const claim = (id: string, items: EvidenceItemInput[], subj = subject): ClaimSubmission => ({ id, subject: subj, items });

beforeAll(async () => {
  net = await createEvidenceNetwork({ clock: () => now });
  hospital = await net.registerGateway('H330100001');
  pharmacy = await net.registerGateway('P330100001');
  const identity = net.identity('insurer-pingan');
  insurer = net.portFor(identity);
  insurerAccount = await net.accountOf(identity);
  await consent([5, 6, 8]);
  await consent([5], subject, now + 30 * DAY, pharmacy);
});

describe('insurers and their policies', () => {
  it('refuses claims from an account the governor has not registered as an insurer', async () => {
    const { prescription, payment } = await evidence();
    expect(await refusalOf(submitClaim(insurer, claim('CLM-0', [prescription, payment])))).toBe('CLAIM_NO_POLICY');
    expect(await getClaimPolicy(insurer, insurerAccount)).toBeNull();
  });

  it('are set by the governor only', async () => {
    expect(await refusalOf(setClaimPolicy(insurer, insurerAccount, []))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await setClaimPolicy(net.governorPort, insurerAccount, [8, 5])).toMatchObject({ insurer: insurerAccount, requiredKinds: [5, 8] });
    expect(net.fabric.events.at(-1)?.eventName).toBe('InsurerPolicySet');
    expect(await getClaimPolicy(hospital.port, insurerAccount)).toMatchObject({ requiredKinds: [5, 8] });
    expect(await refusalOf(setClaimPolicy(net.governorPort, insurerAccount, [99]))).toBe('EVIDENCE_UNKNOWN_KIND');
    expect(await refusalOf(setClaimPolicy(net.governorPort, 'x', [5]))).toBe('EVIDENCE_BAD_HEX');
  });

  it('may require nothing, and may be removed', async () => {
    const identity = net.identity('insurer-temporary');
    const account = await net.accountOf(identity);
    expect(await setClaimPolicy(net.governorPort, account, [])).toMatchObject({ requiredKinds: [] });
    expect(await refusalOf(removeInsurer(insurer, account))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await removeInsurer(net.governorPort, account)).toEqual({ insurer: account, removed: true });
    expect(net.fabric.events.at(-1)?.eventName).toBe('InsurerRemoved');
    expect(await getClaimPolicy(insurer, account)).toBeNull();
    expect(await refusalOf(removeInsurer(net.governorPort, account))).toBe('CLAIM_NO_POLICY');
  });
});

describe('SubmitClaim', () => {
  it('verifies a claim with a prescription and a payment under consent, records it and emits ClaimVerified', async () => {
    const { prescription, payment } = await evidence();
    const verdict = await submitClaim(insurer, claim('CLM-1', [prescription, payment]));
    expect(verdict).toMatchObject({ id: 'CLM-1', verified: true, insurer: insurerAccount, subject, verifiedAt: now });
    expect(verdict.items.map((i) => i.kind)).toEqual([5, 8]);
    expect(net.fabric.events.at(-1)?.eventName).toBe('ClaimVerified');
    expect(JSON.parse(Buffer.from(net.fabric.events.at(-1)!.payload).toString())).toEqual({ id: 'CLM-1', insurer: insurerAccount, subject, items: 2, kinds: [5, 8] });
    expect(await getClaim(hospital.port, 'CLM-1')).toMatchObject({ id: 'CLM-1', txId: verdict.txId });
    expect(await getClaim(hospital.port, 'CLM-404')).toBeNull();
  });

  it('accepts evidence from several gateways, each under consent recorded by its own gateway', async () => {
    const { prescription, payment, record } = await evidence();
    const dispensed = await net.anchorLeaves(pharmacy, [leaf(pharmacy.id, 5)]);
    await submitClaim(insurer, claim('CLM-2', [prescription, payment, record, dispensed.item(0)]));
  });

  it("does not count a consent recorded by another gateway for the item's patient", async () => {
    // The pharmacy's grant covers prescriptions only; the hospital's payment needs the hospital's grant.
    const other = 'd4'.repeat(32);
    const e = await evidence(other);
    const forged = await net.anchorLeaves(pharmacy, [leaf(pharmacy.id, 9, other)]);
    await grantConsent(pharmacy.port, { gateway: pharmacy.id, grantee: insurerAccount, kinds: [5, 8], expiresAt: now + DAY, evidence: forged.item(0) });
    expect(await refusalOf(submitClaim(insurer, claim('CLM-2b', [e.prescription, e.payment], other)))).toBe('CLAIM_NO_CONSENT');
  });

  it('refuses a claim id already used', async () => {
    const { prescription, payment } = await evidence();
    expect(await refusalOf(submitClaim(insurer, claim('CLM-1', [prescription, payment])))).toBe('CLAIM_DUPLICATE');
  });

  it('refuses evidence that already backs another claim, or twice in one claim', async () => {
    const { prescription, payment } = await evidence();
    await submitClaim(insurer, claim('CLM-3', [prescription, payment]));
    const fresh = await evidence();
    expect(await refusalOf(submitClaim(insurer, claim('CLM-4', [fresh.prescription, payment])))).toBe('CLAIM_EVIDENCE_USED');
    expect(await refusalOf(submitClaim(insurer, claim('CLM-5', [fresh.prescription, fresh.payment, fresh.payment])))).toBe('CLAIM_EVIDENCE_USED');
    // The refused claims spent nothing: the fresh items still back a claim.
    await submitClaim(insurer, claim('CLM-6', [fresh.prescription, fresh.payment]));
  });

  it('refuses a claim missing a kind of the policy', async () => {
    const { prescription, record } = await evidence();
    const e = await submitClaim(insurer, claim('CLM-7', [prescription, record])).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CLAIM_REJECTED', reason: 'CLAIM_MISSING_KIND' });
    expect((e as Error).message).toMatch(/payment/);
  });

  it('refuses a proof against a root that was never anchored', async () => {
    const { prescription, payment } = await evidence();
    expect(await refusalOf(submitClaim(insurer, claim('CLM-8', [prescription, { ...payment, seq: 9_999 }])))).toBe('CLAIM_NOT_ANCHORED');
    const stranger = { ...payment, gateway: 'cd'.repeat(32), leaf: { ...payment.leaf, gateway: 'cd'.repeat(32) } };
    expect(await refusalOf(submitClaim(insurer, claim('CLM-8', [prescription, stranger])))).toBe('CLAIM_NOT_ANCHORED');
  });

  it('refuses tampered items: a changed leaf, path, index or size', async () => {
    const { prescription, payment } = await evidence();
    const tamper = async (item: EvidenceItemInput) => refusalOf(submitClaim(insurer, claim('CLM-9', [prescription, item])));
    expect(await tamper({ ...payment, leaf: { ...payment.leaf, commitment: 'ee'.repeat(32) } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, inclusion: { ...payment.inclusion, path: payment.inclusion.path.map(() => '00'.repeat(32)) } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, inclusion: { ...payment.inclusion, index: 0 } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, inclusion: { ...payment.inclusion, size: 4 } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, gateway: pharmacy.id })).toBe('CLAIM_BAD_PROOF'); // leaf.gateway differs
    expect(await tamper({ ...payment, leaf: { ...payment.leaf, kind: 13 } })).toBe('EVIDENCE_UNKNOWN_KIND');
  });

  it("refuses items of another patient than the claim's subject", async () => {
    const mine = await evidence();
    const theirs = await evidence('d2'.repeat(32));
    expect(await refusalOf(submitClaim(insurer, claim('CLM-10', [mine.prescription, theirs.payment])))).toBe('CLAIM_SUBJECT_MISMATCH');
  });

  it('refuses without consent, with consent not covering a kind, with expired or revoked consent', async () => {
    const other = 'd3'.repeat(32);
    const e1 = await evidence(other);
    expect(await refusalOf(submitClaim(insurer, claim('CLM-11', [e1.prescription, e1.payment], other)))).toBe('CLAIM_NO_CONSENT');
    await consent([5], other, now + DAY);
    expect(await refusalOf(submitClaim(insurer, claim('CLM-11', [e1.prescription, e1.payment], other)))).toBe('CLAIM_NO_CONSENT'); // payment not consented
    await consent([5, 8], other, now + DAY);
    now += DAY; // both grants expire
    expect(await refusalOf(submitClaim(insurer, claim('CLM-11', [e1.prescription, e1.payment], other)))).toBe('CLAIM_NO_CONSENT');
    await consent([5, 8], other, now + DAY);
    await revokeConsent(hospital.port, { gateway: hospital.id, subject: other, grantee: insurerAccount });
    expect(await refusalOf(submitClaim(insurer, claim('CLM-11', [e1.prescription, e1.payment], other)))).toBe('CLAIM_NO_CONSENT');
    // Consent is per insurer: another insurer with its own policy has none.
    const rivalIdentity = net.identity('insurer-rival');
    const rival = net.portFor(rivalIdentity);
    await setClaimPolicy(net.governorPort, await net.accountOf(rivalIdentity), [5]);
    const e2 = await evidence();
    expect(await refusalOf(submitClaim(rival, claim('RIV-1', [e2.prescription])))).toBe('CLAIM_NO_CONSENT');
  });

  it('refuses malformed claims', async () => {
    const { prescription, payment } = await evidence();
    expect(await refusalOf(submitClaim(insurer, claim('bad id!', [prescription, payment])))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(submitClaim(insurer, claim('CLM-12', [])))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(submitClaim(insurer, claim('CLM-12', Array(65).fill(prescription))))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(submitClaim(insurer, { ...claim('CLM-12', [prescription, payment]), subject: 'x' }))).toBe('EVIDENCE_BAD_HEX');
    expect(await refusalOf(insurer.submit('claims:SubmitClaim', JSON.stringify({ ...claim('CLM-12', [prescription, payment]), amount: 100 })))).toBe('CHAINCODE_BAD_ARGUMENT');
    const { inclusion: _i, ...noProof } = payment;
    expect(await refusalOf(insurer.submit('claims:SubmitClaim', JSON.stringify(claim('CLM-12', [prescription, noProof as EvidenceItemInput]))))).toBe('CHAINCODE_BAD_ARGUMENT');
  });
});
