import { EVIDENCE_KINDS } from '@evidence/core';
import type { Context } from '../fabric.js';
import { hexArg, jsonArg, kindsArg, objectArg, uintArg, uintField } from '../ledger/args.js';
import { evidenceItemArg, proveItem } from '../ledger/batches.js';
import { consentEvidenceKey, consentKey, consentStatus, getConsent, type ConsentRecord } from '../ledger/consents.js';
import { refuse } from '../ledger/errors.js';
import { requireGatewayCaller } from '../ledger/registry.js';
import { emit, now, readJson, result, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { declareContract, evaluate, submit } from './transaction.js';

/**
 * Patients' consent grants to insurers. The patient has no chain identity: the
 * patient's gateway records the grant, and it must prove it with the anchored
 * `consent` evidence leaf that captured the patient's signature.
 */
export class ConsentContract extends EvidenceContract {
  constructor() {
    super('consent');
  }

  /**
   * Records a grant: {gateway, grantee, kinds, expiresAt, evidence: {gateway, seq, leaf, inclusion}}.
   * The evidence leaf must be a `consent` leaf of this gateway, anchored and
   * proven, and not used by another grant; its subject is the patient. It
   * replaces the patient's previous grant to this grantee at this gateway.
   */
  async GrantConsent(ctx: Context, grant: string): Promise<string> {
    const g = objectArg(jsonArg(grant, 'grant'), 'grant', ['gateway', 'grantee', 'kinds', 'expiresAt', 'evidence']);
    const gateway = hexArg(g.gateway, 32, 'grant.gateway');
    const grantee = hexArg(g.grantee, 32, 'grant.grantee');
    const kinds = kindsArg(g.kinds, 'grant.kinds');
    const expiresAt = uintField(g.expiresAt, 'grant.expiresAt');
    const item = evidenceItemArg(g.evidence, 'grant.evidence');
    await requireGatewayCaller(ctx, gateway, 'CONSENT_UNAUTHORIZED');
    if (item.gateway !== gateway) refuse('CONSENT_BAD_EVIDENCE', 'grant.evidence must be a leaf of the recording gateway');
    await proveItem(ctx, item, 'grant.evidence', { notAnchored: 'CONSENT_BAD_EVIDENCE', badProof: 'CONSENT_BAD_EVIDENCE' });
    if (item.leaf.kind !== EVIDENCE_KINDS.consent) {
      refuse('CONSENT_BAD_EVIDENCE', `grant.evidence.leaf is of kind ${item.leaf.kind}, not consent (${EVIDENCE_KINDS.consent})`);
    }
    const at = now(ctx);
    if (expiresAt <= at) refuse('CONSENT_EXPIRED', `grant.expiresAt ${expiresAt} is not after the transaction time ${at}`);
    const used = await readJson<{ subject: string; grantee: string }>(ctx, consentEvidenceKey(ctx, gateway, item.leaf.id));
    if (used) refuse('CONSENT_DUPLICATE', `consent leaf ${item.leaf.id} already backs a grant`);

    const record: ConsentRecord = {
      id: item.leaf.id,
      gateway,
      subject: item.leaf.subject,
      grantee,
      kinds,
      expiresAt,
      grantedAt: at,
      evidence: { seq: item.seq, index: item.inclusion.index },
      revokedAt: null,
      revocationEvidenceId: null,
      txId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, consentKey(ctx, gateway, record.subject, grantee), record);
    await writeJson(ctx, consentEvidenceKey(ctx, gateway, record.id), { subject: record.subject, grantee });
    emit(ctx, 'ConsentGranted', { id: record.id, gateway, subject: record.subject, grantee, kinds, expiresAt, seq: item.seq });
    return result(record);
  }

  /**
   * Revokes the patient's grant to `grantee` at `gateway`: {gateway, subject, grantee, evidenceId?}.
   * Only that gateway may, once; effective at once, for every kind. `evidenceId`
   * names the leaf recording the revocation, anchored with the gateway's next
   * batch (waiting for it would leave the grant usable meanwhile).
   */
  async RevokeConsent(ctx: Context, revocation: string): Promise<string> {
    const r = objectArg(jsonArg(revocation, 'revocation'), 'revocation', ['gateway', 'subject', 'grantee'], ['evidenceId']);
    const gateway = hexArg(r.gateway, 32, 'revocation.gateway');
    const subject = hexArg(r.subject, 32, 'revocation.subject');
    const grantee = hexArg(r.grantee, 32, 'revocation.grantee');
    const evidenceId = r.evidenceId === undefined ? null : hexArg(r.evidenceId, 16, 'revocation.evidenceId');
    await requireGatewayCaller(ctx, gateway, 'CONSENT_UNAUTHORIZED');
    const record = await getConsent(ctx, gateway, subject, grantee);
    if (!record) refuse('CONSENT_UNKNOWN', 'no grant from this subject to this grantee is recorded at this gateway');
    if (record.revokedAt !== null) refuse('CONSENT_REVOKED', `the grant was revoked at ${record.revokedAt}`);
    const next: ConsentRecord = { ...record, revokedAt: now(ctx), revocationEvidenceId: evidenceId };
    await writeJson(ctx, consentKey(ctx, gateway, subject, grantee), next);
    emit(ctx, 'ConsentRevoked', { id: record.id, gateway, subject, grantee, revokedAt: next.revokedAt, evidenceId });
    return result(next);
  }

  /** The grant from `subject` to `grantee` recorded at `gateway`, with its status now, or null. */
  async GetConsent(ctx: Context, gateway: string, subject: string, grantee: string): Promise<string> {
    const record = await getConsent(ctx, hexArg(gateway, 32, 'gateway'), hexArg(subject, 32, 'subject'), hexArg(grantee, 32, 'grantee'));
    return result(record ? { ...record, status: consentStatus(record, now(ctx)) } : null);
  }

  /** Whether that grant is active now and covers evidence kind `kind`. */
  async IsConsentActive(ctx: Context, gateway: string, subject: string, grantee: string, kind: string): Promise<string> {
    const k = kindsArg([uintArg(kind, 'kind')], 'kind')[0]!;
    const record = await getConsent(ctx, hexArg(gateway, 32, 'gateway'), hexArg(subject, 32, 'subject'), hexArg(grantee, 32, 'grantee'));
    const status = consentStatus(record, now(ctx));
    return result({ active: status === 'active' && record!.kinds.includes(k), status, expiresAt: record?.expiresAt ?? null });
  }
}

declareContract(ConsentContract, { title: 'Evidence consent', description: "Patients' grants of evidence kinds to insurers, backed by anchored consent leaves" }, {
  GrantConsent: submit('grant'),
  RevokeConsent: submit('revocation'),
  GetConsent: evaluate('gateway', 'subject', 'grantee'),
  IsConsentActive: evaluate('gateway', 'subject', 'grantee', 'kind'),
});
