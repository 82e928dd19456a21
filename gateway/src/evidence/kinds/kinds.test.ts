import { describe, expect, it } from 'vitest';
import { EVIDENCE_KINDS, type EvidenceKindName } from '@evidence/core';
import { isGatewayError } from '../../errors.js';
import { EXAMPLE_PAYLOADS } from './examples.js';
import { assertPayload, PAYLOAD_SCHEMAS } from './index.js';

const kinds = Object.keys(EVIDENCE_KINDS) as EvidenceKindName[];

function refusal(kind: EvidenceKindName, payload: unknown): string {
  try {
    assertPayload(kind, payload);
  } catch (e) {
    if (!isGatewayError(e)) throw e;
    expect(e.code).toBe('PAYLOAD_INVALID');
    return e.message;
  }
  throw new Error(`the ${kind} payload was accepted`);
}

describe('evidence kind payload shapes', () => {
  it('documents a shape with a title and description for every kind of spec section 3', () => {
    expect(Object.keys(PAYLOAD_SCHEMAS).sort()).toEqual([...kinds].sort());
    for (const k of kinds) {
      const s = PAYLOAD_SCHEMAS[k] as { title?: string; description?: string };
      expect(s.title).toBe(k);
      expect(s.description).toMatch(/\//); // English / Chinese
    }
  });

  it.each(kinds)('accepts the documented example of %s', (kind) => {
    expect(() => assertPayload(kind, EXAMPLE_PAYLOADS[kind])).not.toThrow();
  });

  it.each(kinds)('refuses a %s payload that is not an object', (kind) => {
    expect(refusal(kind, 'text')).toContain('payload');
    expect(refusal(kind, null)).toContain('payload');
  });

  it('names the missing field', () => {
    const { consent: _c, ...withoutConsent } = EXAMPLE_PAYLOADS.registration as Record<string, unknown>;
    expect(refusal('registration', withoutConsent)).toMatch(/payload.*consent|required/);
  });

  it('names a field of the wrong type, deep inside', () => {
    const bad = structuredClone(EXAMPLE_PAYLOADS.registration) as { realNameCheck: { result: string } };
    bad.realNameCheck.result = 'maybe';
    expect(refusal('registration', bad)).toContain('payload/realNameCheck/result');
  });

  it('refuses unknown fields but accepts them under ext', () => {
    const base = EXAMPLE_PAYLOADS.prescription as Record<string, unknown>;
    expect(refusal('prescription', { ...base, dosage: 'x' })).toContain('"dosage"');
    expect(() => assertPayload('prescription', { ...base, ext: { dosage: 'x' } })).not.toThrow();
  });

  it('keeps money exact: amounts are decimal strings, never floats', () => {
    const base = EXAMPLE_PAYLOADS.payment as Record<string, unknown>;
    expect(refusal('payment', { ...base, amount: 36.5 })).toContain('payload/amount');
    expect(refusal('payment', { ...base, amount: '36.505' })).toContain('payload/amount');
  });

  it('checks the FHIR AuditEvent shape of record-access while allowing other FHIR elements', () => {
    const base = EXAMPLE_PAYLOADS['record-access'] as Record<string, unknown>;
    expect(() => assertPayload('record-access', { ...base, id: 'ae-1', meta: { versionId: '1' } })).not.toThrow();
    expect(refusal('record-access', { ...base, resourceType: 'Patient' })).toContain('payload/resourceType');
    expect(refusal('record-access', { ...base, agent: [] })).toContain('payload/agent');
    expect(refusal('record-access', { ...base, recorded: 'yesterday' })).toContain('payload/recorded');
  });

  it('refuses digests that are not SM3 hex', () => {
    const base = structuredClone(EXAMPLE_PAYLOADS.signature) as Record<string, unknown>;
    expect(refusal('signature', { ...base, documentDigest: 'AB'.repeat(32) })).toContain('payload/documentDigest');
  });
});
