import { toHex, ZERO32, type EvidenceKindName, type Hop } from '@evidence/core';
import type { ForwardedRequest } from '@evidence/node';

/** One piece of evidence the remote plugin records through the gateway's evidence service. */
export interface EvidenceToRecord {
  kind: EvidenceKindName;
  payload: unknown;
  subject: { idNumber: string } | { pseudonym: string };
  /** Derived from the request id, so a retried write records once. */
  idempotencyKey: string;
  occurredAt?: number;
}

/**
 * The port to the gateway's evidence service: resolves once every item is
 * durably written (one write for the batch), so a call is never acknowledged
 * before its evidence is safe.
 */
export type RecordEvidence = (items: EvidenceToRecord[]) => Promise<{ id: string }[]>;

/** A trace concerns no patient unless the caller or the service names one. */
export const NO_SUBJECT = { pseudonym: toHex(ZERO32) } as const;

export interface CallFacts {
  requestId: string;
  role: 'origin' | 'destination';
  caller: string;
  destination: { institution: string; service: string };
  request: ForwardedRequest;
  requestDigest: string;
  status: number;
  responseDigest: string;
  hops: readonly Hop[];
}

/** Kind 11 hop-trace: the whole signed chain, with the digests it signs (bodies stay with the services). */
export function hopTraceEvidence(f: CallFacts, subject: EvidenceToRecord['subject']): EvidenceToRecord {
  return {
    kind: 'hop-trace',
    subject,
    idempotencyKey: `hop-trace:${f.role}:${f.requestId}`,
    occurredAt: f.hops[0]!.ts,
    payload: {
      requestId: f.requestId,
      hops: f.hops.map((h) => ({ ...h })),
      request: {
        role: f.role,
        from: f.caller,
        to: `${f.destination.institution}/${f.destination.service}`,
        method: f.request.method,
        path: f.request.path,
        digest: f.requestDigest,
      },
      response: { status: f.status, digest: f.responseDigest },
    },
  };
}

const ACTIONS: Record<string, 'C' | 'R' | 'U' | 'D' | 'E'> = { GET: 'R', HEAD: 'R', POST: 'E', PUT: 'U', PATCH: 'U', DELETE: 'D' };

/**
 * Kind 6 record-access as a FHIR AuditEvent: who (the calling institution)
 * read what (this service, the request id that ties it to its hop trace),
 * when, and with what outcome.
 */
export function recordAccessEvidence(f: CallFacts, self: string, ts: number, subject: EvidenceToRecord['subject']): EvidenceToRecord {
  return {
    kind: 'record-access',
    subject,
    idempotencyKey: `record-access:${f.requestId}`,
    occurredAt: ts,
    payload: {
      resourceType: 'AuditEvent',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      action: ACTIONS[f.request.method] ?? 'E',
      recorded: new Date(ts).toISOString(),
      outcome: f.status < 400 ? '0' : f.status < 500 ? '4' : '8',
      agent: [{ who: { identifier: { system: 'urn:evidence:institution', value: f.caller } }, requestor: true }],
      source: { observer: { identifier: { system: 'urn:evidence:institution', value: self } } },
      entity: [
        {
          what: {
            identifier: { system: 'urn:evidence:request', value: f.requestId },
            display: `${f.destination.service} ${f.request.method} ${f.request.path}`,
          },
        },
      ],
    },
  };
}

/** Kinds a published service may record automatically: those whose payload the call itself determines. */
export const AUTOMATIC_KINDS: readonly EvidenceKindName[] = ['record-access'];
