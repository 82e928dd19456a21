/**
 * Practitioner credentials: an institution issues, suspends, reinstates and
 * revokes its own; anyone reads the status at any time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  credentialStatusAt,
  getCredential,
  issueCredential,
  listCredentials,
  reinstateCredential,
  revokeCredential,
  suspendCredential,
  type ChaincodePort,
  type CredentialIssue,
} from '../index.js';
import { createEvidenceNetwork, refusalOf, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

const T0 = 1_763_800_000_000;
const DAY = 86_400_000;
let now = T0;
let net: EvidenceNetwork;
let hospital: RegisteredGateway;
let other: RegisteredGateway;
let anyone: ChaincodePort;
const practitioner = 'e1'.repeat(32);

const credential = (id: string, overrides: Partial<CredentialIssue> = {}): CredentialIssue => ({
  id,
  issuer: hospital.id,
  practitioner,
  role: 'doctor',
  licenceDigest: 'f0'.repeat(32),
  validFrom: T0,
  validUntil: T0 + 365 * DAY,
  ...overrides,
});

beforeAll(async () => {
  net = await createEvidenceNetwork({ clock: () => now });
  hospital = await net.registerGateway('H330100001');
  other = await net.registerGateway('H330100002');
  anyone = net.portFor(net.identity('pharmacist-app'));
});

describe('issue', () => {
  it('issues an active credential and emits CredentialIssued', async () => {
    const c = await issueCredential(hospital.port, credential('DOC-1'));
    expect(c).toMatchObject({ id: 'DOC-1', issuer: hospital.id, role: 'doctor', status: 'active', issuedAt: now, history: [] });
    expect(net.fabric.events.at(-1)?.eventName).toBe('CredentialIssued');
    expect(await getCredential(anyone, 'DOC-1')).toMatchObject({ statusNow: 'active' });
    expect(await getCredential(anyone, 'DOC-404')).toBeNull();
  });

  it('is refused to anyone but the issuing institution, and for duplicates, bad roles and windows', async () => {
    expect(await refusalOf(issueCredential(other.port, credential('DOC-2')))).toBe('CREDENTIAL_UNAUTHORIZED');
    expect(await refusalOf(issueCredential(anyone, credential('DOC-2')))).toBe('CREDENTIAL_UNAUTHORIZED');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC-2', { issuer: 'cd'.repeat(32) })))).toBe('ANCHOR_UNKNOWN_GATEWAY');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC-1')))).toBe('CREDENTIAL_DUPLICATE');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC-2', { role: 'surgeon' as 'doctor' })))).toBe('CREDENTIAL_BAD_ROLE');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC-2', { validUntil: T0 })))).toBe('CREDENTIAL_BAD_WINDOW');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC 2')))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(issueCredential(hospital.port, credential('DOC-2', { licenceDigest: 'f0' })))).toBe('EVIDENCE_BAD_LENGTH');
    const e = await issueCredential(other.port, credential('DOC-2')).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CREDENTIAL_REJECTED', reason: 'CREDENTIAL_UNAUTHORIZED' });
  });
});

describe('lifecycle and status at a time', () => {
  it('suspends, reinstates and revokes, and answers the status at any time', async () => {
    now = T0 + 10 * DAY;
    await issueCredential(hospital.port, credential('PHA-1', { role: 'pharmacist' }));
    now = T0 + 20 * DAY;
    expect(await suspendCredential(hospital.port, 'PHA-1', 'licence under review')).toMatchObject({ status: 'suspended' });
    expect(net.fabric.events.at(-1)?.eventName).toBe('CredentialSuspended');
    now = T0 + 30 * DAY;
    expect(await reinstateCredential(hospital.port, 'PHA-1', 'review closed')).toMatchObject({ status: 'active' });
    expect(net.fabric.events.at(-1)?.eventName).toBe('CredentialReinstated');
    now = T0 + 40 * DAY;
    expect(await revokeCredential(hospital.port, 'PHA-1', 'licence withdrawn')).toMatchObject({ status: 'revoked' });
    expect(net.fabric.events.at(-1)?.eventName).toBe('CredentialRevoked');

    const at = async (t: number) => (await credentialStatusAt(anyone, 'PHA-1', t)).status;
    expect(await at(T0 - 1)).toBe('not-yet-valid');
    expect(await at(T0 + 5 * DAY)).toBe('active'); // valid from T0, issued later
    expect(await at(T0 + 20 * DAY - 1)).toBe('active');
    expect(await at(T0 + 20 * DAY)).toBe('suspended');
    expect(await at(T0 + 30 * DAY)).toBe('active');
    expect(await at(T0 + 40 * DAY)).toBe('revoked');
    expect(await at(T0 + 400 * DAY)).toBe('revoked'); // revocation outlives the window
    expect((await getCredential(anyone, 'PHA-1'))?.history.map((h) => [h.status, h.reason])).toEqual([
      ['suspended', 'licence under review'],
      ['active', 'review closed'],
      ['revoked', 'licence withdrawn'],
    ]);
  });

  it('expires at the end of its window', async () => {
    expect((await credentialStatusAt(anyone, 'DOC-1', T0 + 365 * DAY - 1)).status).toBe('active');
    expect((await credentialStatusAt(anyone, 'DOC-1', T0 + 365 * DAY)).status).toBe('expired');
  });

  it('refuses transitions that do not apply, and changes by another institution', async () => {
    await issueCredential(hospital.port, credential('DOC-3'));
    expect(await refusalOf(reinstateCredential(hospital.port, 'DOC-3', 'x'))).toBe('CREDENTIAL_BAD_TRANSITION');
    expect(await refusalOf(suspendCredential(other.port, 'DOC-3', 'x'))).toBe('CREDENTIAL_UNAUTHORIZED');
    await suspendCredential(hospital.port, 'DOC-3', 'x');
    expect(await refusalOf(suspendCredential(hospital.port, 'DOC-3', 'x'))).toBe('CREDENTIAL_BAD_TRANSITION');
    await revokeCredential(hospital.port, 'DOC-3', 'x'); // from suspended
    expect(await refusalOf(reinstateCredential(hospital.port, 'DOC-3', 'x'))).toBe('CREDENTIAL_BAD_TRANSITION');
    expect(await refusalOf(revokeCredential(hospital.port, 'DOC-3', 'x'))).toBe('CREDENTIAL_BAD_TRANSITION');
    expect(await refusalOf(suspendCredential(hospital.port, 'DOC-404', 'x'))).toBe('CREDENTIAL_UNKNOWN');
    expect(await credentialStatusAt(anyone, 'DOC-404', T0)).toEqual({ id: 'DOC-404', at: T0, status: 'unknown' });
    expect(await refusalOf(credentialStatusAt(anyone, 'DOC-3', -1))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(suspendCredential(hospital.port, 'DOC-1', 'x'.repeat(513)))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('lists a practitioner\'s credentials with their status now', async () => {
    now = T0 + 50 * DAY;
    const list = await listCredentials(anyone, practitioner);
    expect(list.map((c) => [c.id, c.statusNow])).toEqual([
      ['DOC-1', 'active'],
      ['DOC-3', 'revoked'],
      ['PHA-1', 'revoked'],
    ]);
    expect(await listCredentials(anyone, 'e2'.repeat(32))).toEqual([]);
  });
});
