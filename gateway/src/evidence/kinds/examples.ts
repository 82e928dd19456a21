import type { EvidenceKindName } from '@evidence/core';

const D = (c: string) => c.repeat(64).slice(0, 64);
const T = 1_763_800_000_000;

/**
 * One valid payload per kind, as a hospital system would send it. Shown in the
 * README and used by the tests and the benchmark, so the documented shapes and
 * the checked shapes cannot drift apart.
 */
export const EXAMPLE_PAYLOADS: Record<EvidenceKindName, unknown> = {
  registration: {
    patientId: 'P0001',
    realNameCheck: { method: 'face-recognition', result: 'passed', checkedAt: T, provider: 'ctid', reference: 'R-88' },
    consent: { agreementId: 'AGR-2025-01', version: '3', digest: D('a1'), signedAt: T + 1000 },
    media: [{ type: 'face', mediaType: 'image/jpeg', sm3: D('b2'), size: 20480 }],
  },
  'followup-eligibility': {
    priorDiagnosis: { code: 'I10', system: 'ICD-10', display: '原发性高血压', diagnosedAt: T - 86_400_000 * 30, institution: 'H330100001' },
    sourceRecord: { type: 'outpatient', recordId: 'MZ-2025-0001', digest: D('c3') },
    decision: { result: 'eligible', decidedBy: 'D1001', decidedAt: T },
  },
  appointment: { orderId: 'GH-0001', department: '心内科', practitioner: 'D1001', scheduledAt: T + 3_600_000, channel: 'video', state: 'paid', changedAt: T },
  signature: { signer: 'D1001', role: 'doctor', documentType: 'prescription', documentId: 'RX-0001', documentDigest: D('d4'), signedAt: T, algorithm: 'sm2' },
  prescription: {
    prescriptionId: 'RX-0001',
    state: 'issued',
    at: T,
    actor: 'D1001',
    actorRole: 'doctor',
    contentDigest: D('e5'),
    items: [{ drugCode: 'X-C09AA-001', quantity: 2, unit: '盒' }],
  },
  'record-access': {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    action: 'R',
    recorded: '2025-11-22T08:00:00Z',
    outcome: '0',
    agent: [{ who: { identifier: { system: 'urn:evidence:practitioner', value: 'D1001' } }, requestor: true }],
    source: { observer: { identifier: { system: 'urn:evidence:institution', value: 'H330100001' } } },
    entity: [{ what: { identifier: { system: 'urn:evidence:record', value: 'EMR-0001' } } }],
  },
  consultation: {
    consultationId: 'WZ-0001',
    mode: 'video',
    practitioner: 'D1001',
    startedAt: T,
    endedAt: T + 900_000,
    digests: [
      { type: 'video', sm3: D('f6'), size: 10_485_760 },
      { type: 'summary', sm3: D('07') },
    ],
  },
  payment: { transactionId: 'PAY-0001', type: 'payment', amount: '36.50', currency: 'CNY', status: 'succeeded', method: 'wechat', orderId: 'GH-0001', at: T },
  consent: { action: 'grant', grantee: 'INS-PICC', granteeType: 'insurer', scope: ['prescription', 'payment'], purpose: '理赔审核', at: T, expiresAt: T + 86_400_000 * 90 },
  credential: { practitionerId: 'D1001', credentialType: 'physician-license', number: '110330100001234', action: 'issued', issuer: '浙江省卫生健康委员会', at: T },
  'hop-trace': {
    requestId: '0'.repeat(31) + '1',
    hops: [{ v: 1, type: 1, index: 0 }],
    request: { method: 'GET', path: '/records/1' },
    response: { status: 200 },
  },
  supervision: { platform: '浙江省互联网医院监管平台', reportType: 'prescription-daily', reportId: 'SUP-0001', period: { from: T - 86_400_000, to: T }, digest: D('18'), reportedAt: T, status: 'accepted' },
};
