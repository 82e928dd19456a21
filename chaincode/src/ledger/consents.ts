import type { Context } from '../fabric.js';
import { KEY, key, readJson, scan } from './state.js';

/** A patient's grant to a grantee (an insurer's account), recorded by the patient's gateway. */
export interface ConsentRecord {
  /** The id of the anchored `consent` leaf that records the grant. */
  id: string;
  gateway: string;
  subject: string;
  grantee: string;
  kinds: number[];
  expiresAt: number;
  grantedAt: number;
  evidence: { seq: number; index: number };
  revokedAt: number | null;
  txId: string;
}

export function consentKey(ctx: Context, c: Pick<ConsentRecord, 'subject' | 'grantee' | 'id'>): string {
  return key(ctx, KEY.consent, [c.subject, c.grantee, c.id]);
}

export function consentIdKey(ctx: Context, id: string): string {
  return key(ctx, KEY.consentId, [id]);
}

export async function getConsent(ctx: Context, id: string): Promise<ConsentRecord | null> {
  const ref = await readJson<{ subject: string; grantee: string }>(ctx, consentIdKey(ctx, id));
  if (!ref) return null;
  return readJson<ConsentRecord>(ctx, consentKey(ctx, { ...ref, id }));
}

export function isActive(c: ConsentRecord, at: number): boolean {
  return c.revokedAt === null && at < c.expiresAt;
}

/** The grants from `subject` to `grantee` active at `at`. */
export async function activeConsents(ctx: Context, subject: string, grantee: string, at: number): Promise<ConsentRecord[]> {
  const out: ConsentRecord[] = [];
  for await (const { value } of scan<ConsentRecord>(ctx, KEY.consent, [subject, grantee])) {
    if (isActive(value, at)) out.push(value);
  }
  return out;
}
