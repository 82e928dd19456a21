import { EVIDENCE_KINDS } from '@evidence/core';
import { Context, Info } from '../fabric.js';
import { hexArg, jsonArg, kindsArg, objectArg, uintArg, uintField } from '../ledger/args.js';
import { evidenceItemArg, proveItem } from '../ledger/batches.js';
import { activeConsents, consentIdKey, consentKey, getConsent, isActive, type ConsentRecord } from '../ledger/consents.js';
import { refuse } from '../ledger/errors.js';
import { requireGatewayCaller } from '../ledger/registry.js';
import { emit, now, result, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { Evaluate, Submit } from './transaction.js';

/**
 * Patients' consent grants to insurers. The patient has no chain identity: the
 * patient's gateway records the grant, and it must prove it with the anchored
 * `consent` evidence leaf that captured the patient's signature.
 */
@Info({ title: 'Evidence consent', description: "Patients' grants of evidence kinds to insurers, backed by anchored consent leaves" })
export class ConsentContract extends EvidenceContract {
  constructor() {
    super('consent');
  }

  /**
   * Records a grant: {gateway, grantee, kinds, expiresAt, evidence: {gateway, seq, leaf, inclusion}}.
   * The evidence leaf must be a `consent` leaf of this gateway, anchored and
   * proven; its id becomes the grant id and its subject the grant's subject.
   */
  @Submit('grant')
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
    if (await getConsent(ctx, item.leaf.id)) refuse('CONSENT_DUPLICATE', `consent ${item.leaf.id} is already recorded`);

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
      txId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, consentKey(ctx, record), record);
    await writeJson(ctx, consentIdKey(ctx, record.id), { subject: record.subject, grantee });
    emit(ctx, 'ConsentGranted', { id: record.id, subject: record.subject, grantee, kinds, expiresAt });
    return result(record);
  }

  /** Revokes a grant; only the gateway that recorded it may, once. */
  @Submit('id')
  async RevokeConsent(ctx: Context, id: string): Promise<string> {
    const record = await getConsent(ctx, hexArg(id, 16, 'id'));
    if (!record) refuse('CONSENT_UNKNOWN', `consent ${id} is not recorded`);
    await requireGatewayCaller(ctx, record.gateway, 'CONSENT_UNAUTHORIZED');
    if (record.revokedAt !== null) refuse('CONSENT_REVOKED', `consent ${id} was revoked at ${record.revokedAt}`);
    const next: ConsentRecord = { ...record, revokedAt: now(ctx) };
    await writeJson(ctx, consentKey(ctx, next), next);
    emit(ctx, 'ConsentRevoked', { id, subject: record.subject, grantee: record.grantee, revokedAt: next.revokedAt });
    return result(next);
  }

  /** The grant with whether it is active now, or null. */
  @Evaluate('id')
  async GetConsent(ctx: Context, id: string): Promise<string> {
    const record = await getConsent(ctx, hexArg(id, 16, 'id'));
    return result(record ? { ...record, active: isActive(record, now(ctx)) } : null);
  }

  /** Whether `subject` has an active grant to `grantee` covering evidence kind `kind` now. */
  @Evaluate('subject', 'grantee', 'kind')
  async IsConsentActive(ctx: Context, subject: string, grantee: string, kind: string): Promise<string> {
    const k = kindsArg([uintArg(kind, 'kind')], 'kind')[0]!;
    const grants = await activeConsents(ctx, hexArg(subject, 32, 'subject'), hexArg(grantee, 32, 'grantee'), now(ctx));
    const covering = grants.find((g) => g.kinds.includes(k));
    return result(covering ? { active: true, id: covering.id, expiresAt: covering.expiresAt } : { active: false });
  }
}
