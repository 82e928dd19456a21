import { kindName } from '@evidence/core';
import type { Context } from '../fabric.js';
import { arrayArg, hexArg, jsonArg, kindsArg, nameArg, objectArg } from '../ledger/args.js';
import { evidenceItemArg, proveItem } from '../ledger/batches.js';
import { consentStatus, getConsent } from '../ledger/consents.js';
import { refuse } from '../ledger/errors.js';
import { caller } from '../ledger/identity.js';
import { requireGovernor } from '../ledger/registry.js';
import { emit, key, KEY, now, readJson, result, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { declareContract, evaluate, submit } from './transaction.js';

/** A registered insurer's policy: the evidence kinds every claim must carry (for example prescription and payment). */
export interface ClaimPolicy {
  insurer: string;
  requiredKinds: number[];
  setAt: number;
}

export interface ClaimRecord {
  id: string;
  insurer: string;
  subject: string;
  items: { gateway: string; seq: number; evidenceId: string; kind: number }[];
  verifiedAt: number;
  txId: string;
}

/** Beyond this a claim is split: it bounds the work one proposal can ask of a peer. */
export const MAX_CLAIM_ITEMS = 64;

/**
 * Insurer claim verification. The governor registers insurers with their
 * policies; an insurer submits the evidence items of a claim; the chaincode
 * proves each against its anchored SM3 root, requires the patient's active
 * consent to this insurer, recorded by the item's own gateway, for each kind,
 * requires the kinds of the insurer's policy, and lets each evidence item back
 * one claim only.
 */
export class ClaimsContract extends EvidenceContract {
  constructor() {
    super('claims');
  }

  /** Registers an insurer (its account) or changes its policy: the evidence kinds its claims must include (may be none). Governor only. */
  async SetClaimPolicy(ctx: Context, insurer: string, requiredKinds: string): Promise<string> {
    await requireGovernor(ctx);
    const policy: ClaimPolicy = {
      insurer: hexArg(insurer, 32, 'insurer'),
      requiredKinds: kindsArg(jsonArg(requiredKinds, 'requiredKinds'), 'requiredKinds', { allowEmpty: true }),
      setAt: now(ctx),
    };
    await writeJson(ctx, key(ctx, KEY.policy, [policy.insurer]), policy);
    emit(ctx, 'InsurerPolicySet', policy);
    return result(policy);
  }

  /** Removes an insurer; its verified claims stay on record. Governor only. */
  async RemoveInsurer(ctx: Context, insurer: string): Promise<string> {
    await requireGovernor(ctx);
    const policyKey = key(ctx, KEY.policy, [hexArg(insurer, 32, 'insurer')]);
    if (!(await readJson<ClaimPolicy>(ctx, policyKey))) refuse('CLAIM_NO_POLICY', `insurer ${insurer} is not registered`);
    await ctx.stub.deleteState(policyKey);
    emit(ctx, 'InsurerRemoved', { insurer });
    return result({ insurer, removed: true });
  }

  async GetClaimPolicy(ctx: Context, insurer: string): Promise<string> {
    return result(await readJson<ClaimPolicy>(ctx, key(ctx, KEY.policy, [hexArg(insurer, 32, 'insurer')])));
  }

  /**
   * Verifies and records a claim: {id, subject, items: [{gateway, seq, leaf, inclusion}]}.
   * Each refusal has its own code; on success the evidence ids are spent.
   */
  async SubmitClaim(ctx: Context, claim: string): Promise<string> {
    const c = objectArg(jsonArg(claim, 'claim'), 'claim', ['id', 'subject', 'items']);
    const id = nameArg(c.id, 'claim.id');
    const subject = hexArg(c.subject, 32, 'claim.subject');
    const rawItems = arrayArg(c.items, 'claim.items', MAX_CLAIM_ITEMS);
    if (rawItems.length === 0) refuse('CHAINCODE_BAD_ARGUMENT', 'claim.items must hold at least one evidence item');
    const items = rawItems.map((item, i) => evidenceItemArg(item, `claim.items[${i}]`));
    const insurer = caller(ctx).account;
    const at = now(ctx);

    if (await readJson(ctx, key(ctx, KEY.claim, [id]))) refuse('CLAIM_DUPLICATE', `claim ${id} is already recorded`);
    const policy = await readJson<ClaimPolicy>(ctx, key(ctx, KEY.policy, [insurer]));
    if (!policy) refuse('CLAIM_NO_POLICY', 'the caller is not a registered insurer (the governor registers insurers with claims:SetClaimPolicy)');

    // The writes below are not visible to this transaction's reads, so repeats
    // inside one claim are caught here rather than by the ledger.
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      const what = `claim.items[${i}]`;
      await proveItem(ctx, item, what, { notAnchored: 'CLAIM_NOT_ANCHORED', badProof: 'CLAIM_BAD_PROOF' });
      if (item.leaf.subject !== subject) refuse('CLAIM_SUBJECT_MISMATCH', `${what}.leaf.subject is not claim.subject`);
      const evidence = `${item.gateway}/${item.leaf.id}`;
      if (seen.has(evidence)) refuse('CLAIM_EVIDENCE_USED', `${what} repeats evidence ${item.leaf.id} of this claim`);
      seen.add(evidence);
      const spent = await readJson<{ claimId: string }>(ctx, key(ctx, KEY.claimed, [item.gateway, item.leaf.id]));
      if (spent) refuse('CLAIM_EVIDENCE_USED', `${what}: evidence ${item.leaf.id} already backs claim ${spent.claimId}`);
    }

    // Only the gateway that holds the patient's records may record their consent
    // for them: a grant recorded by another gateway for this pseudonym does not count.
    for (const [i, item] of items.entries()) {
      const grant = await getConsent(ctx, item.gateway, subject, insurer);
      const status = consentStatus(grant, at);
      if (status !== 'active') {
        refuse('CLAIM_NO_CONSENT', `claim.items[${i}]: the subject's consent to this insurer at gateway ${item.gateway} is ${status === 'none' ? 'missing' : status}`);
      }
      if (!grant!.kinds.includes(item.leaf.kind)) {
        refuse('CLAIM_NO_CONSENT', `claim.items[${i}]: the subject's consent to this insurer does not cover ${kindName(item.leaf.kind)} evidence`);
      }
    }
    const present = new Set(items.map((item) => item.leaf.kind));
    const missing = policy.requiredKinds.filter((k) => !present.has(k));
    if (missing.length > 0) refuse('CLAIM_MISSING_KIND', `the policy requires ${missing.map(kindName).join(', ')} evidence`);

    const record: ClaimRecord = {
      id,
      insurer,
      subject,
      items: items.map((item) => ({ gateway: item.gateway, seq: item.seq, evidenceId: item.leaf.id, kind: item.leaf.kind })),
      verifiedAt: at,
      txId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, key(ctx, KEY.claim, [id]), record);
    for (const item of items) await writeJson(ctx, key(ctx, KEY.claimed, [item.gateway, item.leaf.id]), { claimId: id });
    emit(ctx, 'ClaimVerified', { id, insurer, subject, items: record.items.length, kinds: [...present].sort((a, b) => a - b) });
    return result({ ...record, verified: true });
  }

  async GetClaim(ctx: Context, id: string): Promise<string> {
    return result(await readJson<ClaimRecord>(ctx, key(ctx, KEY.claim, [nameArg(id, 'id')])));
  }
}

declareContract(ClaimsContract, { title: 'Evidence claims', description: 'Insurer claims verified against anchored evidence and consent' }, {
  SetClaimPolicy: submit('insurer', 'requiredKinds'),
  RemoveInsurer: submit('insurer'),
  GetClaimPolicy: evaluate('insurer'),
  SubmitClaim: submit('claim'),
  GetClaim: evaluate('id'),
});
