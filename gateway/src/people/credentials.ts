import { fromHex, jcs, sm3, toHex, utf8 } from '@evidence/core';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { registriesOf, type CredentialRole, type CredentialState, type TxRef } from './registries.js';

/**
 * A practitioner's credential id on chain: SM3 over the issuing institution's
 * id and the certificate number, so any institution can name another's
 * credential from what a practitioner shows (issuer and number) and no two
 * issuers collide.
 */
export function credentialIdOf(issuerGatewayId: string, number: string): string {
  return toHex(sm3(utf8('evidence-credential/1'), fromHex(issuerGatewayId, 32, 'issuer'), utf8(number)));
}

/** A practitioner's pseudonymous id on chain: SM3 of the practitioner id, domain-separated. */
export function practitionerIdOf(practitionerId: string): string {
  return toHex(sm3(utf8('evidence-practitioner/1:'), utf8(practitionerId)));
}

export type CredentialType = 'physician-license' | 'practice-certificate' | 'pharmacist-license' | 'nurse-license' | 'title' | 'other';

/** The credential as the institution's admin names it (the shape of the `credential` evidence payload). */
export interface CredentialIdentity {
  practitionerId: string;
  credentialType: CredentialType;
  number: string;
  /** Issuing authority, e.g. the provincial health commission. */
  issuer: string;
}

export interface IssueRequest extends CredentialIdentity {
  role: CredentialRole;
  validFrom?: number;
  validUntil: number;
  /** SM3 of the licence document; by default SM3 of the identity fields (JCS). */
  licenceDigest?: string;
}

export interface CredentialChange {
  credentialId: string;
  status: CredentialState;
  evidenceId: string;
  tx: TxRef | null;
}

/**
 * An institution admin issues a credential: written to CredentialRegistry
 * from this gateway's account (the registry admits only the issuer's own
 * account), then recorded as `credential` evidence. The chain goes first, so
 * the evidence never claims what the registry refused; a retry after a lost
 * answer finds the same credential on chain and records it.
 */
export async function issueCredential(ctx: GatewayContext, req: IssueRequest, client: string, now = Date.now()): Promise<CredentialChange> {
  const registries = await registriesOf(ctx, 'credential');
  const credentialId = credentialIdOf(ctx.gatewayId, req.number);
  const practitioner = practitionerIdOf(req.practitionerId);
  const validFrom = req.validFrom ?? now;
  const licenceDigest = req.licenceDigest ?? toHex(sm3(jcs(identity(req))));
  if (validFrom >= req.validUntil) throw new GatewayError('VALIDATION_FAILED', 'body/validUntil: must be after validFrom');
  let tx: TxRef | null = null;
  try {
    tx = await registries.issueCredential({ credentialId, issuer: ctx.gatewayId, practitioner, role: req.role, licenceDigest, validFrom, validUntil: req.validUntil });
  } catch (e) {
    const existing = await registries.credentialOf({ credentialId });
    const same = existing && existing.practitioner === practitioner && existing.role === req.role && existing.licenceDigest === licenceDigest && existing.validUntil === req.validUntil;
    if (!same) throw e;
  }
  const { id } = await ctx.evidence.record(
    {
      kind: 'credential',
      subject: { idNumber: req.practitionerId },
      payload: { ...identity(req), action: 'issued', at: now, validUntil: req.validUntil, ext: { credentialId, role: req.role, validFrom, licenceDigest, ...(tx ? { txHash: tx.txHash } : {}) } },
    },
    client,
  );
  return { credentialId, status: await registries.credentialStatus({ credentialId }), evidenceId: id, tx };
}

/** Suspends or revokes one of this institution's credentials, on chain then as evidence. */
export async function changeCredential(
  ctx: GatewayContext,
  action: 'suspended' | 'revoked',
  req: CredentialIdentity & { reason?: string },
  client: string,
  now = Date.now(),
): Promise<CredentialChange> {
  const registries = await registriesOf(ctx, 'credential');
  const credentialId = credentialIdOf(ctx.gatewayId, req.number);
  const existing = await registries.credentialOf({ credentialId });
  if (!existing) throw new GatewayError('CREDENTIAL_NOT_FOUND', `this institution issued no credential numbered ${req.number}`);
  if (existing.practitioner !== practitionerIdOf(req.practitionerId)) {
    throw new GatewayError('CREDENTIAL_MISMATCH', `credential ${req.number} belongs to another practitioner than ${req.practitionerId}`);
  }
  const reason = req.reason ? toHex(sm3(utf8(req.reason))) : undefined;
  let tx: TxRef | null = null;
  try {
    tx = action === 'suspended' ? await registries.suspendCredential({ credentialId, reason }) : await registries.revokeCredential({ credentialId, reason });
  } catch (e) {
    // A retry after a lost answer: the change is already on chain.
    if (!(await registries.credentialStatus({ credentialId })).startsWith(action === 'suspended' ? 'suspended' : 'revoked')) throw e;
  }
  const { id } = await ctx.evidence.record(
    {
      kind: 'credential',
      subject: { idNumber: req.practitionerId },
      payload: { ...identity(req), action, at: now, ext: { credentialId, ...(req.reason ? { reason: req.reason } : {}), ...(tx ? { txHash: tx.txHash } : {}) } },
    },
    client,
  );
  return { credentialId, status: await registries.credentialStatus({ credentialId }), evidenceId: id, tx };
}

/** A credential's status (now or at a time) and what was issued, for any reader. */
export async function credentialView(ctx: GatewayContext, credentialId: string, at?: number) {
  const registries = await registriesOf(ctx, 'credential');
  const record = await registries.credentialOf({ credentialId });
  if (!record) throw new GatewayError('CREDENTIAL_NOT_FOUND', `no credential ${credentialId} on chain`);
  return { credentialId, status: await registries.credentialStatus({ credentialId, at }), ...(at !== undefined ? { at } : {}), credential: record };
}

function identity(r: CredentialIdentity): CredentialIdentity {
  return { practitionerId: r.practitionerId, credentialType: r.credentialType, number: r.number, issuer: r.issuer };
}
