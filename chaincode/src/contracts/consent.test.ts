/**
 * Consent grants: recorded by the patient's gateway, proven by an anchored
 * `consent` leaf, one per (gateway, subject, grantee), active until expiry or
 * revocation, at the transaction time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Leaf } from '@evidence/core';
import { getConsent, grantConsent, isConsentActive, revokeConsent, type ConsentGrant } from '../index.js';
import { createEvidenceNetwork, refusalOf, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

const T0 = 1_763_800_000_000;
const DAY = 86_400_000;
let now = T0;
let net: EvidenceNetwork;
let hospital: RegisteredGateway;
let other: RegisteredGateway;
let insurer: string;
const subject = 'c1'.repeat(32);
let n = 0;

const leaf = (gateway: string, kind: number, subj = subject): Leaf => ({
  v: 1,
  kind,
  id: (++n).toString(16).padStart(32, '0'),
  gateway,
  subject: subj,
  ts: now,
  commitment: n.toString(16).padStart(64, '0'),
});

/** A grant proven by a fresh anchored consent leaf of the hospital. */
async function newGrant(overrides: Partial<ConsentGrant> = {}, leafKind = 9): Promise<ConsentGrant> {
  const batch = await net.anchorLeaves(hospital, [leaf(hospital.id, leafKind), leaf(hospital.id, 5)]);
  return { gateway: hospital.id, grantee: insurer, kinds: [5, 8], expiresAt: now + 30 * DAY, evidence: batch.item(0), ...overrides };
}

beforeAll(async () => {
  net = await createEvidenceNetwork({ clock: () => now });
  hospital = await net.registerGateway('H330100001');
  other = await net.registerGateway('H330100002');
  insurer = await net.accountOf(net.identity('insurer-pingan'));
});

describe('GrantConsent', () => {
  it('records a grant proven by its consent leaf and emits ConsentGranted', async () => {
    const grant = await newGrant({ kinds: [8, 5] });
    const record = await grantConsent(hospital.port, grant);
    expect(record).toMatchObject({ id: grant.evidence.leaf.id, gateway: hospital.id, subject, grantee: insurer, kinds: [5, 8], expiresAt: now + 30 * DAY, grantedAt: now, revokedAt: null });
    expect(net.fabric.events.at(-1)?.eventName).toBe('ConsentGranted');
    expect(await getConsent(hospital.port, hospital.id, subject, insurer)).toMatchObject({ id: record.id, status: 'active' });
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 5)).toMatchObject({ active: true, status: 'active' });
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 6)).toMatchObject({ active: false, status: 'active' });
    expect(await isConsentActive(hospital.port, hospital.id, 'c2'.repeat(32), insurer, 5)).toEqual({ active: false, status: 'none', expiresAt: null });
    expect(await getConsent(hospital.port, other.id, subject, insurer)).toBeNull();
  });

  it('replaces the previous grant of the same patient to the same grantee', async () => {
    const second = await newGrant({ kinds: [6] });
    await grantConsent(hospital.port, second);
    expect(await getConsent(hospital.port, hospital.id, subject, insurer)).toMatchObject({ id: second.evidence.leaf.id, kinds: [6] });
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 5)).toMatchObject({ active: false });
  });

  it('is refused to any identity but the recording gateway', async () => {
    expect(await refusalOf(grantConsent(other.port, await newGrant()))).toBe('CONSENT_UNAUTHORIZED');
    expect(await refusalOf(grantConsent(net.portFor(net.identity('insurer-pingan')), await newGrant()))).toBe('CONSENT_UNAUTHORIZED');
    expect(await refusalOf(grantConsent(hospital.port, { ...(await newGrant()), gateway: 'cd'.repeat(32) }))).toBe('ANCHOR_UNKNOWN_GATEWAY');
  });

  it('needs a consent leaf of this gateway, anchored and proven', async () => {
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({}, 5)))).toBe('CONSENT_BAD_EVIDENCE'); // a prescription leaf
    const foreign = await net.anchorLeaves(other, [leaf(other.id, 9)]);
    expect(await refusalOf(grantConsent(hospital.port, { ...(await newGrant()), evidence: foreign.item(0) }))).toBe('CONSENT_BAD_EVIDENCE');
    const g = await newGrant();
    expect(await refusalOf(grantConsent(hospital.port, { ...g, evidence: { ...g.evidence, seq: 999 } }))).toBe('CONSENT_BAD_EVIDENCE'); // never anchored
    const badPath = { ...g.evidence, inclusion: { ...g.evidence.inclusion, path: ['00'.repeat(32)] } };
    expect(await refusalOf(grantConsent(hospital.port, { ...g, evidence: badPath }))).toBe('CONSENT_BAD_EVIDENCE');
    const badSize = { ...g.evidence, inclusion: { ...g.evidence.inclusion, size: 3 } };
    expect(await refusalOf(grantConsent(hospital.port, { ...g, evidence: badSize }))).toBe('CONSENT_BAD_EVIDENCE');
    const forgedLeaf = { ...g.evidence, leaf: { ...g.evidence.leaf, subject: 'c9'.repeat(32) } }; // another patient
    expect(await refusalOf(grantConsent(hospital.port, { ...g, evidence: forgedLeaf }))).toBe('CONSENT_BAD_EVIDENCE');
  });

  it('refuses an expiry not after the transaction time, a consent leaf used twice, and bad kinds', async () => {
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({ expiresAt: now })))).toBe('CONSENT_EXPIRED');
    const g = await newGrant();
    await grantConsent(hospital.port, g);
    expect(await refusalOf(grantConsent(hospital.port, g))).toBe('CONSENT_DUPLICATE');
    expect(await refusalOf(grantConsent(hospital.port, { ...g, grantee: 'ee'.repeat(32) }))).toBe('CONSENT_DUPLICATE');
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({ kinds: [] })))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({ kinds: [5, 5] })))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({ kinds: [13] })))).toBe('EVIDENCE_UNKNOWN_KIND');
    expect(await refusalOf(grantConsent(hospital.port, await newGrant({ grantee: 'insurer' })))).toBe('EVIDENCE_BAD_HEX');
    expect(await refusalOf(hospital.port.submit('consent:GrantConsent', JSON.stringify({ ...(await newGrant()), extra: 1 })))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('maps refusals to CONSENT_REJECTED for callers of the adapter, keeping the reason', async () => {
    const e = await grantConsent(other.port, await newGrant()).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CONSENT_REJECTED', reason: 'CONSENT_UNAUTHORIZED' });
  });
});

describe('expiry and revocation', () => {
  it('is active until expiresAt, then expired', async () => {
    const g = await newGrant({ expiresAt: now + DAY, kinds: [7] });
    await grantConsent(hospital.port, g);
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 7)).toMatchObject({ active: true });
    now += DAY - 1;
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 7)).toMatchObject({ active: true });
    now += 1;
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 7)).toMatchObject({ active: false, status: 'expired' });
    expect(await getConsent(hospital.port, hospital.id, subject, insurer)).toMatchObject({ status: 'expired', revokedAt: null });
  });

  it('is revoked by the recording gateway only, once, for every kind, and emits ConsentRevoked', async () => {
    const g = await newGrant({ kinds: [4, 5] });
    await grantConsent(hospital.port, g);
    const which = { gateway: hospital.id, subject, grantee: insurer };
    expect(await refusalOf(revokeConsent(other.port, which))).toBe('CONSENT_UNAUTHORIZED');
    expect(await refusalOf(revokeConsent(other.port, { ...which, gateway: other.id }))).toBe('CONSENT_UNKNOWN');
    expect(await revokeConsent(hospital.port, { ...which, evidenceId: 'aa'.repeat(16) })).toMatchObject({ revokedAt: now, revocationEvidenceId: 'aa'.repeat(16) });
    expect(net.fabric.events.at(-1)?.eventName).toBe('ConsentRevoked');
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 4)).toMatchObject({ active: false, status: 'revoked' });
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 5)).toMatchObject({ active: false, status: 'revoked' });
    expect(await refusalOf(revokeConsent(hospital.port, which))).toBe('CONSENT_REVOKED');
    expect(await refusalOf(revokeConsent(hospital.port, { ...which, grantee: 'ee'.repeat(32) }))).toBe('CONSENT_UNKNOWN');
    expect(await refusalOf(revokeConsent(hospital.port, { ...which, evidenceId: 'ff' }))).toBe('EVIDENCE_BAD_LENGTH');
    // A new grant after a revocation is a new consent.
    await grantConsent(hospital.port, await newGrant({ kinds: [4] }));
    expect(await isConsentActive(hospital.port, hospital.id, subject, insurer, 4)).toMatchObject({ active: true });
  });
});
