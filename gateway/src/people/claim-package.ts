import { BUNDLE_FORMAT_V2, kindName, sm3, toHex, utf8, type AnyProofBundle } from '@evidence/core';
import type { GatewayContext } from '../context.js';
import { GatewayError, isGatewayError } from '../errors.js';
import { registriesOf, type ClaimRequest, type EvidenceLocation } from './registries.js';

/**
 * The location ClaimVerifier checks: the batch seq and the audit path, and for
 * a version 2 bundle the batch's place in the anchored log (header fields,
 * checkpoint size, log path). The same shape as locationOf in
 * @evidence/contracts, which the insurer's parseClaimPackage compares it with.
 */
export function locationOf(b: AnyProofBundle): EvidenceLocation {
  const location: EvidenceLocation = { seq: b.batch.seq, index: b.inclusion.index, size: b.inclusion.size, path: [...b.inclusion.path] };
  if (b.format !== BUNDLE_FORMAT_V2) return location;
  return { ...location, log: { batchRoot: b.batch.root, prev: b.batch.prev, closedAt: b.batch.closedAt, size: b.log.inclusion.size, path: [...b.log.inclusion.path] } };
}

/**
 * Builds an insurer's claim package (evidence-claim/1; parsed on the insurer's
 * side by parseClaimPackage in @evidence/contracts). Everything in the request
 * is the insurer's choice, so before anything is disclosed: the request must
 * be fresh and signed by the account it names; every item must be this
 * gateway's anchored evidence about one patient; and the patient's consent to
 * that account, read from ConsentRegistry, must be active and cover every
 * item's kind. The disclosure itself is recorded (record-access) before the
 * package leaves.
 */
export async function buildClaimPackage(ctx: GatewayContext, req: ClaimRequest, client: string, now = Date.now()) {
  const insurer = req.insurer.toLowerCase();
  if (Math.abs(now - req.issuedAt) > ctx.config.AUTH_WINDOW_MS) {
    throw new GatewayError('INSURER_SIGNATURE_INVALID', `the request was signed at ${req.issuedAt}, outside the ${ctx.config.AUTH_WINDOW_MS} ms window around now`);
  }
  if (new Set(req.evidenceIds).size !== req.evidenceIds.length) throw new GatewayError('VALIDATION_FAILED', 'body/evidenceIds: an id is listed twice');
  const registries = await registriesOf(ctx, 'consent');
  if (!registries.isClaimRequestSigned(ctx.gatewayId, req)) {
    throw new GatewayError('INSURER_SIGNATURE_INVALID', `the request is not signed by ${insurer} (EIP-191 over claimRequestMessage)`);
  }

  const bundles: AnyProofBundle[] = [];
  for (const id of req.evidenceIds) bundles.push(await disclosedBundle(ctx, id));
  const subject = bundles[0]!.leaf.subject;
  const other = bundles.find((b) => b.leaf.subject !== subject);
  if (other) throw new GatewayError('CLAIM_SUBJECT_MISMATCH', `evidence ${other.leaf.id} concerns another patient than ${bundles[0]!.leaf.id}: a claim is about one patient`);

  const consent = await registries.consentStatus({ gateway: ctx.gatewayId, subject, grantee: insurer });
  if (consent.status !== 'active') throw new GatewayError('CONSENT_NOT_ACTIVE', `the patient's consent to ${insurer} is ${consent.status} on chain`);
  const uncovered = bundles.filter((b) => !consent.kinds.includes(b.leaf.kind));
  if (uncovered.length > 0) {
    throw new GatewayError('CONSENT_NOT_ACTIVE', `the patient's consent to ${insurer} does not cover ${[...new Set(uncovered.map((b) => kindName(b.leaf.kind)))].join(', ')}`);
  }

  const claimId = req.claimId ?? toHex(sm3(utf8(`evidence-claim/1:${ctx.gatewayId}:${insurer}:${req.evidenceIds.join(',')}`)));
  await ctx.evidence.record(
    {
      kind: 'record-access',
      subject: { pseudonym: subject },
      idempotencyKey: `claim-package:${claimId}`,
      payload: {
        resourceType: 'AuditEvent',
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
        action: 'R',
        recorded: new Date(now).toISOString(),
        outcome: '0',
        purposeOfEvent: [{ text: 'insurance claim / 保险理赔' }],
        agent: [{ who: { identifier: { system: 'urn:evidence:evm-account', value: insurer }, display: `client ${client}` }, requestor: true }],
        source: { observer: { identifier: { system: 'urn:evidence:institution', value: ctx.code } } },
        entity: req.evidenceIds.map((id) => ({ what: { identifier: { system: 'urn:evidence:id', value: id } } })),
      },
    },
    client,
  );

  return {
    format: 'evidence-claim/1' as const,
    gateway: { code: ctx.code, id: ctx.gatewayId },
    insurer,
    subject,
    consent,
    items: bundles.map((b) => ({ evidenceId: b.leaf.id, kind: kindName(b.leaf.kind), bundle: b })),
    claim: { claimId, subject, items: bundles.map((b) => ({ leaf: b.leaf, location: locationOf(b) })) },
    issuedAt: now,
  };
}

/** The bundle with its payload; an erased payload leaves the proof of its commitment only. */
async function disclosedBundle(ctx: GatewayContext, id: string): Promise<AnyProofBundle> {
  try {
    return await ctx.proofs.bundle(id, true);
  } catch (e) {
    if (isGatewayError(e) && e.code === 'PAYLOAD_ERASED') return ctx.proofs.bundle(id, false);
    throw e;
  }
}
