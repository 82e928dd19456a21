import type { GatewayContext } from '../../context.js';

/** A record whose payload a read is about to return. */
export interface Disclosed {
  id: string;
  /** The record's subject pseudonym (hex), from its leaf. */
  subject: string;
}

export interface Reader {
  client: string;
  roles: readonly string[];
}

/**
 * Records a read that returns payloads as record-access evidence (kind 6, a
 * FHIR AuditEvent): who read (the authenticated client and its roles), what
 * (the evidence ids), why (the purpose the caller gave, or its role), where
 * (the route), and when. One event per patient, all in one durable write,
 * resolved before the payloads leave: a read that cannot be recorded is not
 * served. The caller controls only the purpose text, which is bounded by the
 * route's schema and stored as given.
 */
export async function recordDisclosure(ctx: GatewayContext, reader: Reader, items: readonly Disclosed[], why: string, route: string, now = Date.now()): Promise<string[]> {
  if (items.length === 0) return [];
  const bySubject = new Map<string, string[]>();
  for (const item of items) bySubject.set(item.subject, [...(bySubject.get(item.subject) ?? []), item.id]);
  const recorded = new Date(now).toISOString();
  const events = [...bySubject].map(([subject, ids]) => ({
    kind: 'record-access' as const,
    subject: { pseudonym: subject },
    occurredAt: now,
    payload: {
      resourceType: 'AuditEvent',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }],
      action: 'R',
      recorded,
      outcome: '0',
      purposeOfEvent: [{ text: why }],
      agent: [{ who: { identifier: { system: 'urn:evidence:client', value: reader.client } }, requestor: true, role: reader.roles.map((r) => ({ text: r })) }],
      source: { observer: { identifier: { system: 'urn:evidence:institution', value: ctx.code } }, site: route },
      entity: ids.map((id) => ({ what: { identifier: { system: 'urn:evidence:id', value: id } } })),
    },
  }));
  return (await ctx.evidence.recordMany(events, reader.client)).map((r) => r.id);
}

/** The purpose stated by the caller, or what its role implies. */
export function purposeOf(given: string | undefined, roles: readonly string[]): string {
  return given?.trim() || `disclosure to ${roles.join(', ')} / 披露`;
}
