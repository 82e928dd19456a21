import { isKnownKind, jcsString, kindCode, kindName, LEAF_LENGTH, SALT_LENGTH, sm4, type EvidenceKindName } from '@evidence/core';
import { GatewayError } from '../errors.js';
import { assertPayload } from './kinds/index.js';
import { pseudonymise, type Pseudonym } from './pseudonymise.js';
import type { PrepareContext, RecordInput } from './prepare.js';

/** One event after the checks, before anything is computed: its kind, its subject's pseudonym, its time and JCS(payload). */
export interface Checked {
  input: RecordInput;
  kind: EvidenceKindName;
  subject: Pseudonym;
  ts: number;
  /** JCS(payload) as text; its UTF-8 length is `bytes`. */
  text: string;
  bytes: number;
}

/** A run of events that passed every check, and the arena bytes its records will take. */
export interface CheckedRun {
  items: Checked[];
  bytes: number;
}

/** Per record in the arena: salt, data key, id, leaf, and the payload ciphertext (version byte + payload). */
export const RECORD_FIXED_BYTES = SALT_LENGTH + sm4.DATA_KEY_LENGTH + 16 + LEAF_LENGTH + 1;

/**
 * Checks every event of a run, in order, before anything is computed, so the
 * first bad item is the one reported: kind, the kind's payload shape, the
 * subject (pseudonymised here), the time it happened. `where(i)` names item i
 * in errors ("body/items/3/").
 */
export function validateRun(inputs: readonly RecordInput[], ctx: PrepareContext, receivedAt: number, where: (i: number) => string): CheckedRun {
  let bytes = 0;
  const items = inputs.map((input, i): Checked => {
    const c = validate(input, ctx, receivedAt, where(i));
    bytes += RECORD_FIXED_BYTES + c.bytes;
    return c;
  });
  return { items, bytes };
}

function validate(input: RecordInput, ctx: PrepareContext, receivedAt: number, where: string): Checked {
  const kind = kindOf(input.kind, where);
  assertPayload(kind, input.payload, `${where}payload`);
  const subject = pseudonymise(input.subject, ctx.subjectKey, where);
  const ts = input.occurredAt ?? receivedAt;
  if (!Number.isSafeInteger(ts) || ts < 0) throw new GatewayError('VALIDATION_FAILED', `${where}occurredAt must be a non-negative integer (ms)`);
  const text = jcsString(input.payload);
  return { input, kind, subject, ts, text, bytes: Buffer.byteLength(text, 'utf8') };
}

function kindOf(kind: unknown, where: string): EvidenceKindName {
  if (typeof kind === 'number' && isKnownKind(kind)) return kindName(kind);
  if (typeof kind === 'string') {
    try {
      return kindName(kindCode(kind));
    } catch {
      // fall through to the error naming the field
    }
  }
  throw new GatewayError('VALIDATION_FAILED', `${where}kind: unknown evidence kind ${JSON.stringify(kind)}`);
}
