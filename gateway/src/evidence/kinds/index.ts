import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import type { EvidenceKindName } from '@evidence/core';
import { GatewayError } from '../../errors.js';
import { AppointmentPayload } from './appointment.js';
import { ConsentPayload } from './consent.js';
import { ConsultationPayload } from './consultation.js';
import { CredentialPayload } from './credential.js';
import { FollowupEligibilityPayload } from './followup-eligibility.js';
import { HopTracePayload } from './hop-trace.js';
import { PaymentPayload } from './payment.js';
import { PrescriptionPayload } from './prescription.js';
import { RecordAccessPayload } from './record-access.js';
import { RegistrationPayload } from './registration.js';
import { SignaturePayload } from './signature.js';
import { SupervisionPayload } from './supervision.js';

/** The documented payload shape of every evidence kind of spec section 3. */
export const PAYLOAD_SCHEMAS: Record<EvidenceKindName, TSchema> = {
  registration: RegistrationPayload,
  'followup-eligibility': FollowupEligibilityPayload,
  appointment: AppointmentPayload,
  signature: SignaturePayload,
  prescription: PrescriptionPayload,
  'record-access': RecordAccessPayload,
  consultation: ConsultationPayload,
  payment: PaymentPayload,
  consent: ConsentPayload,
  credential: CredentialPayload,
  'hop-trace': HopTracePayload,
  supervision: SupervisionPayload,
};

const VALIDATORS = new Map(Object.entries(PAYLOAD_SCHEMAS).map(([kind, schema]) => [kind, Compile(schema)]));

/**
 * Checks a payload against its kind's shape. The payload comes from a hospital
 * system and is committed to for good, so it is refused with the field named
 * rather than stored in a shape nobody can later interpret.
 */
export function assertPayload(kind: EvidenceKindName, payload: unknown, where = 'payload'): void {
  const validator = VALIDATORS.get(kind);
  if (!validator) throw new GatewayError('VALIDATION_FAILED', `no payload shape for kind ${kind}`);
  if (validator.Check(payload)) return;
  const errors = validator.Errors(payload).filter((e) => e.keyword !== 'boolean');
  const first = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
  if (!first) throw new GatewayError('PAYLOAD_INVALID', `${where} does not match the ${kind} shape`);
  const field = `${where}${first.instancePath}`;
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    throw new GatewayError('PAYLOAD_INVALID', `${field}: unknown field "${extra.join('", "')}" for kind ${kind} (put extras in "ext")`);
  }
  throw new GatewayError('PAYLOAD_INVALID', `${field}: ${first.message} (kind ${kind})`);
}
