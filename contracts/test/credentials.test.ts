/**
 * CredentialRegistry: an institution issues a practitioner credential and
 * alone suspends, reinstates and revokes it; anyone reads its status at any
 * time, inside and outside the validity window and across each change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3, toHex, utf8 } from '@evidence/core';
import {
  credentialStatus,
  issueCredential,
  reinstateCredential,
  revokeCredential,
  suspendCredential,
  type IssueCredentialParams,
  type ReadClient,
  type WriteClient,
} from '../src/index.js';
import { deploySystem, expectRevert, type GatewayIdentity, type System } from './fixture.js';

const DAY_MS = 86_400_000;

describe('CredentialRegistry', () => {
  let system: System;
  let hospital: GatewayIdentity;
  let otherHospital: GatewayIdentity;
  let asHospital: WriteClient;
  let reader: ReadClient;
  let params: IssueCredentialParams;
  const id = (n: number) => toHex(sm3(utf8(`credential ${n}`)));
  const blockTimeMs = async (blockNumber: number) => (await system.chain.provider.getBlock(blockNumber))!.timestamp * 1000;
  const statusAt = (credentialId: string, at?: number) => credentialStatus(reader, { credentialId, at });
  const rejects = (p: Promise<unknown>, name: string) => expect(p).rejects.toMatchObject({ code: 'CREDENTIAL_REJECTED', revert: { name } });

  beforeAll(async () => {
    system = await deploySystem();
    hospital = await system.addGateway('H330100001', 1);
    otherHospital = await system.addGateway('H110100002', 2);
    asHospital = { signer: hospital.wallet, address: system.deployment.contracts.CredentialRegistry };
    reader = { runner: system.chain.provider, address: system.deployment.contracts.CredentialRegistry };
    const now = (await system.chain.provider.getBlock('latest'))!.timestamp * 1000;
    params = {
      credentialId: id(1),
      issuer: hospital.id,
      practitioner: toHex(sm3(utf8('practitioner: pharmacist Li'))),
      role: 'pharmacist',
      licenceDigest: toHex(sm3(utf8('licence scan'))),
      validFrom: now - DAY_MS,
      validUntil: now + 365 * DAY_MS,
    };
  });
  afterAll(() => system.close());

  it('issues a credential and reads it back', async () => {
    await issueCredential(asHospital, params);
    const c = await system.contract('CredentialRegistry').getFunction('credentialOf')(`0x${params.credentialId}`);
    expect([c.issuer, c.practitioner, c.role, c.licenceDigest]).toEqual([
      `0x${hospital.id}`,
      `0x${params.practitioner}`,
      2n,
      `0x${params.licenceDigest}`,
    ]);
    expect(await statusAt(params.credentialId)).toBe('active');
  });

  it('answers a status at a time inside and outside the validity window', async () => {
    expect(await statusAt(params.credentialId, params.validFrom - 1)).toBe('not-yet-valid');
    expect(await statusAt(params.credentialId, params.validFrom)).toBe('active');
    expect(await statusAt(params.credentialId, params.validUntil - 1)).toBe('active');
    expect(await statusAt(params.credentialId, params.validUntil)).toBe('expired');
    expect(await statusAt(id(99))).toBe('unknown');
  });

  it('refuses issuance by a non-institution, duplicates and bad fields', async () => {
    await rejects(
      issueCredential({ signer: system.chain.wallet(8), address: asHospital.address }, { ...params, credentialId: id(2) }),
      'CredentialRegistry__NotIssuer',
    );
    // an institution cannot issue in another institution's name
    await rejects(
      issueCredential({ signer: otherHospital.wallet, address: asHospital.address }, { ...params, credentialId: id(2) }),
      'CredentialRegistry__NotIssuer',
    );
    await rejects(issueCredential(asHospital, params), 'CredentialRegistry__AlreadyIssued');
    await rejects(issueCredential(asHospital, { ...params, credentialId: id(3), validUntil: params.validFrom }), 'CredentialRegistry__InvalidValidity');
    await rejects(issueCredential(asHospital, { ...params, credentialId: id(3), licenceDigest: '00'.repeat(32) }), 'CredentialRegistry__ZeroField');
    await expect(issueCredential(asHospital, { ...params, credentialId: id(3), role: 'wizard' as never })).rejects.toMatchObject({
      code: 'CREDENTIAL_REJECTED',
    });
    const raw = system.contract('CredentialRegistry', hospital.wallet);
    await expectRevert(
      raw.getFunction('issue')(`0x${id(3)}`, `0x${hospital.id}`, `0x${params.practitioner}`, 9, `0x${params.licenceDigest}`, 1, 2),
      'CredentialRegistry__InvalidRole',
    );
  });

  it('suspends, reinstates and revokes, keeping the status at every past time', async () => {
    await system.chain.increaseTime(10);
    const suspended = await suspendCredential(asHospital, { credentialId: params.credentialId, reason: toHex(sm3(utf8('audit'))) });
    const suspendedAt = await blockTimeMs(suspended.blockNumber);
    expect(await statusAt(params.credentialId)).toBe('suspended');
    await rejects(suspendCredential(asHospital, { credentialId: params.credentialId }), 'CredentialRegistry__InvalidTransition');

    await system.chain.increaseTime(10);
    const reinstated = await reinstateCredential(asHospital, { credentialId: params.credentialId });
    const reinstatedAt = await blockTimeMs(reinstated.blockNumber);
    expect(await statusAt(params.credentialId)).toBe('active');
    await rejects(reinstateCredential(asHospital, { credentialId: params.credentialId }), 'CredentialRegistry__InvalidTransition');

    await system.chain.increaseTime(10);
    const revoked = await revokeCredential(asHospital, { credentialId: params.credentialId });
    const revokedAt = await blockTimeMs(revoked.blockNumber);

    expect(await statusAt(params.credentialId, suspendedAt - 1)).toBe('active');
    expect(await statusAt(params.credentialId, suspendedAt)).toBe('suspended');
    expect(await statusAt(params.credentialId, reinstatedAt - 1)).toBe('suspended');
    expect(await statusAt(params.credentialId, reinstatedAt)).toBe('active');
    expect(await statusAt(params.credentialId, revokedAt - 1)).toBe('active');
    expect(await statusAt(params.credentialId, revokedAt)).toBe('revoked');
    // revocation outlasts the window: a revoked credential never reads as merely expired
    expect(await statusAt(params.credentialId, params.validUntil + DAY_MS)).toBe('revoked');
    expect(await statusAt(params.credentialId)).toBe('revoked');

    await rejects(revokeCredential(asHospital, { credentialId: params.credentialId }), 'CredentialRegistry__InvalidTransition');
    await rejects(reinstateCredential(asHospital, { credentialId: params.credentialId }), 'CredentialRegistry__InvalidTransition');

    const history = await system.contract('CredentialRegistry').getFunction('history')(`0x${params.credentialId}`);
    // (a Result is an Array, so `.at` is Array.prototype.at: read the fields by position)
    expect(history.map((c: [bigint, bigint]) => [Number(c[0]), Number(c[1])])).toEqual([
      [suspendedAt, 1],
      [reinstatedAt, 0],
      [revokedAt, 2],
    ]);
  });

  it('only the issuing institution changes its credentials; unknown ids are refused', async () => {
    await issueCredential(asHospital, { ...params, credentialId: id(4), role: 'doctor' });
    const other = { signer: otherHospital.wallet, address: asHospital.address };
    await rejects(suspendCredential(other, { credentialId: id(4) }), 'CredentialRegistry__NotIssuer');
    await rejects(revokeCredential(other, { credentialId: id(4) }), 'CredentialRegistry__NotIssuer');
    await rejects(suspendCredential(asHospital, { credentialId: id(5) }), 'CredentialRegistry__UnknownCredential');
    // a suspended credential can be revoked directly
    await suspendCredential(asHospital, { credentialId: id(4) });
    await revokeCredential(asHospital, { credentialId: id(4) });
    expect(await statusAt(id(4))).toBe('revoked');
  });

  it('emits an event for each change', async () => {
    const registry = system.contract('CredentialRegistry');
    const names = async (filter: string) => (await registry.queryFilter(filter, system.deployment.block)).length;
    expect(await names('CredentialIssued')).toBe(2);
    expect(await names('CredentialSuspended')).toBe(2);
    expect(await names('CredentialReinstated')).toBe(1);
    expect(await names('CredentialRevoked')).toBe(2);
  });
});
