import { EVIDENCE_KINDS } from '@evidence/core';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { GatewayContext } from '../context.js';
import { classify, type AnyErrorCode } from '../errors.js';
import type { ServiceAnswer } from '../remote/internal-service.js';
import type { DeliveredCall, ServiceHandler } from '../remote/service-handler.js';
import { credentialIdOf, practitionerIdOf } from './credentials.js';
import { registriesOf } from './registries.js';

const Sm3 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** What the reviewing pharmacist's institution sends through the network. */
const ReviewRequest = Type.Object(
  {
    prescription: Type.Object(
      {
        /** This gateway's evidence id of the issued prescription. */
        evidenceId: Type.String({ pattern: '^[0-9a-f]{32}$' }),
        prescriptionId: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: false },
    ),
    pharmacist: Type.Object(
      {
        practitionerId: Type.String({ minLength: 1, maxLength: 64 }),
        /** Number of the pharmacist's credential, issued by the calling institution. */
        credentialNumber: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: false },
    ),
    decision: Type.Union([Type.Literal('reviewed'), Type.Literal('rejected')]),
    documentDigest: Sm3,
    signedAt: Type.Integer({ minimum: 0 }),
    algorithm: Type.Optional(Type.Union([Type.Literal('sm2'), Type.Literal('rsa'), Type.Literal('ecdsa')])),
    certificateSerial: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    signatureValue: Type.Optional(Type.String({ maxLength: 4096 })),
    comment: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
type ReviewRequest = Type.Static<typeof ReviewRequest>;
const check = Compile(ReviewRequest);

const refuse = (status: number, code: AnyErrorCode, message: string): ServiceAnswer => ({ status, body: { code, message } });

/**
 * The pharmacist review of a prescription issued here, by a pharmacist of
 * another institution, as a service this gateway publishes and answers itself
 * (through the routing network, so hop 0 proves which institution calls).
 * Before the review signature is recorded: the signing time must be now
 * (within the authentication window: a suspended pharmacist cannot backdate
 * a signature), the prescription must be one recorded here, and the
 * pharmacist's credential, issued by the calling institution, must be a
 * pharmacist's, held by this pharmacist and active on chain at the signing
 * time. Otherwise the answer is a coded 4xx and nothing but the signed trace
 * of the refusal is recorded.
 */
export function pharmacistReviewHandler(ctx: GatewayContext): ServiceHandler {
  return async (call: DeliveredCall): Promise<ServiceAnswer> => {
    if (call.request.method !== 'POST') return refuse(405, 'VALIDATION_FAILED', 'a review is POSTed');
    const body = call.request.body;
    if (!check.Check(body)) {
      const first = [...check.Errors(body)][0];
      return refuse(400, 'VALIDATION_FAILED', `body${first?.instancePath ?? ''}: ${first?.message ?? 'is invalid'}`);
    }
    try {
      return await review(ctx, call, body);
    } catch (e) {
      // The caller's mistakes (unknown prescription, erased payload...) are answers; our failures are not.
      const { code, status } = classify(e);
      if (status < 500) return refuse(status, code, (e as Error).message);
      throw e;
    }
  };
}

async function review(ctx: GatewayContext, call: DeliveredCall, r: ReviewRequest): Promise<ServiceAnswer> {
  const now = Date.now();
  if (Math.abs(now - r.signedAt) > ctx.config.AUTH_WINDOW_MS) {
    return refuse(400, 'SIGNING_TIME_SKEW', `signedAt ${r.signedAt} is more than ${ctx.config.AUTH_WINDOW_MS} ms from this gateway's clock (${now})`);
  }
  const prescription = await ctx.proofs.view(r.prescription.evidenceId);
  if (prescription.leaf.kind !== EVIDENCE_KINDS.prescription) {
    return refuse(400, 'EVIDENCE_WRONG_KIND', `evidence ${r.prescription.evidenceId} is not a prescription`);
  }
  const issued = (await ctx.evidence.openPayload(prescription.record)).payload as { prescriptionId?: string; contentDigest?: string };
  if (issued.prescriptionId !== r.prescription.prescriptionId) {
    return refuse(400, 'EVIDENCE_WRONG_KIND', `evidence ${r.prescription.evidenceId} records prescription ${issued.prescriptionId}, not ${r.prescription.prescriptionId}`);
  }
  if (issued.contentDigest !== undefined && issued.contentDigest !== r.documentDigest) {
    return refuse(400, 'VALIDATION_FAILED', 'documentDigest is not the digest of the prescription as issued');
  }

  const registries = await registriesOf(ctx, 'credential');
  const credentialId = credentialIdOf(call.callerId, r.pharmacist.credentialNumber);
  const [status, credential] = await Promise.all([registries.credentialStatus({ credentialId, at: r.signedAt }), registries.credentialOf({ credentialId })]);
  if (status !== 'active') {
    return refuse(
      403,
      'CREDENTIAL_NOT_ACTIVE',
      `the credential ${r.pharmacist.credentialNumber} issued by ${call.caller} is ${status} at ${new Date(r.signedAt).toISOString()}: the review signature is not recorded / 药师执业资格在签名时无效，不予记录`,
    );
  }
  if (credential!.role !== 'pharmacist' || credential!.practitioner !== practitionerIdOf(r.pharmacist.practitionerId)) {
    return refuse(403, 'CREDENTIAL_MISMATCH', `credential ${r.pharmacist.credentialNumber} of ${call.caller} is not a pharmacist credential of ${r.pharmacist.practitionerId}`);
  }

  const subject = { pseudonym: prescription.leaf.subject };
  const ext = { institution: call.caller, credentialId, requestId: call.requestId };
  const [signature, state] = await ctx.evidence.recordMany(
    [
      {
        kind: 'signature',
        subject,
        occurredAt: r.signedAt,
        idempotencyKey: `review-signature:${call.requestId}`,
        payload: {
          signer: r.pharmacist.practitionerId,
          role: 'pharmacist',
          documentType: 'prescription',
          documentId: r.prescription.prescriptionId,
          documentDigest: r.documentDigest,
          signedAt: r.signedAt,
          ...(r.algorithm ? { algorithm: r.algorithm } : {}),
          ...(r.certificateSerial ? { certificateSerial: r.certificateSerial } : {}),
          ...(r.signatureValue ? { signatureValue: r.signatureValue } : {}),
          ext,
        },
      },
      {
        kind: 'prescription',
        subject,
        occurredAt: r.signedAt,
        idempotencyKey: `review-state:${call.requestId}`,
        payload: {
          prescriptionId: r.prescription.prescriptionId,
          state: r.decision,
          at: r.signedAt,
          actor: r.pharmacist.practitionerId,
          actorRole: 'pharmacist',
          contentDigest: r.documentDigest,
          ext: r.comment ? { ...ext, comment: r.comment } : ext,
        },
      },
    ],
    'remote-review',
  );
  return {
    status: 201,
    body: { recorded: { signature: signature!.id, prescription: state!.id }, credential: { credentialId, status, at: r.signedAt }, decision: r.decision },
  };
}
