/**
 * The proposal timestamp is the client's: with a bound configured, a peer
 * refuses to endorse proposals too far from its own clock, so a claim cannot be
 * backdated to before a consent expired.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { grantConsent, setClaimPolicy, submitClaim } from '../index.js';
import { createChaincode } from '../chaincode.js';
import { setClockPolicy } from '../ledger/clock.js';
import { createEvidenceNetwork, localEndorser, refusalOf } from '../../test/support/index.js';

const peerTime = 1_800_000_000_000;
const MINUTE = 60_000;

afterAll(() => setClockPolicy({ maxSkewMs: null, local: Date.now }));

describe('clock bound', () => {
  it('refuses a backdated claim that would use an expired consent, and accepts it at the true time only while consent lasts', async () => {
    let proposalTime = peerTime;
    const chaincode = createChaincode({ maxClockSkewMs: 5 * MINUTE });
    setClockPolicy({ local: () => peerTime });
    const net = await createEvidenceNetwork({ endorser: localEndorser(chaincode), clock: () => proposalTime });
    const hospital = await net.registerGateway('H330100001');
    const insurerIdentity = net.identity('insurer');
    const insurer = net.portFor(insurerIdentity);
    await setClaimPolicy(net.governorPort, await net.accountOf(insurerIdentity), [5]);
    const subject = 'ab'.repeat(32);
    const leaf = (n: number, kind: number) => ({ v: 1, kind, id: n.toString(16).padStart(32, '0'), gateway: hospital.id, subject, ts: peerTime, commitment: n.toString(16).padStart(64, '0') });
    const consent = await net.anchorLeaves(hospital, [leaf(1, 9)]);
    // Consent valid for one minute of the peer's time.
    await grantConsent(hospital.port, { gateway: hospital.id, grantee: await net.accountOf(insurerIdentity), kinds: [5], expiresAt: peerTime + MINUTE, evidence: consent.item(0) });
    const evidence = await net.anchorLeaves(hospital, [leaf(2, 5)]);
    const claim = { id: 'CLM-1', subject, items: [evidence.item(0)] };

    proposalTime = peerTime - 10 * MINUTE; // a client backdating by ten minutes
    expect(await refusalOf(submitClaim(insurer, claim))).toBe('CHAINCODE_BAD_TIMESTAMP');
    proposalTime = peerTime + 10 * MINUTE; // or a client clock far ahead
    expect(await refusalOf(submitClaim(insurer, claim))).toBe('CHAINCODE_BAD_TIMESTAMP');
    proposalTime = peerTime + 2 * MINUTE; // within the bound, but the consent has expired by then
    expect(await refusalOf(submitClaim(insurer, claim))).toBe('CLAIM_NO_CONSENT');
    proposalTime = peerTime + 30_000; // honest and in time
    expect(await submitClaim(insurer, claim)).toMatchObject({ verified: true, verifiedAt: peerTime + 30_000 });
  });

  it('refuses a negative bound', () => {
    expect(() => createChaincode({ maxClockSkewMs: -1 })).toThrow(/non-negative/);
  });
});
