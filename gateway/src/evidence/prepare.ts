import { fromHex, jcs, kindCode, LEAF_LENGTH, randomFill, SALT_LENGTH, sm3, sm4, toHex, uuidv7, writeLeaf, type EvidenceKindName, type Leaf } from '@evidence/core';
import type { NewRecord } from '../ports/store.js';
import { commit } from './commit.js';
import { encrypt } from './encrypt.js';
import type { Subject } from './pseudonymise.js';
import { validateRun, type CheckedRun } from './validate.js';

export type { Subject } from './pseudonymise.js';

/** What a hospital system hands the gateway for one event. */
export interface RecordInput {
  kind: string;
  subject: Subject;
  payload: unknown;
  /** When the event happened (ms); defaults to the moment the gateway receives it. */
  occurredAt?: number;
  /** Retrying with the same key returns the first record instead of recording twice. */
  idempotencyKey?: string;
}

/** A record ready to write: everything computed, nothing stored yet. */
export interface Prepared {
  record: NewRecord;
  /** The per-record SM4 key, sealed later with its neighbours' in a key block. */
  dataKey: Uint8Array;
  kind: EvidenceKindName;
  leaf: Leaf;
  idemDigest?: string;
}

export interface PrepareContext {
  gatewayId: string;
  subjectKey: Uint8Array;
}

/**
 * The intake step of spec section 4 for a run of events, pure computation (on
 * the main thread or in an intake worker): validate (validate.ts, which also
 * pseudonymises the subject), then per record a fresh salt and SM4 key, a
 * UUIDv7 id, the commitment (commit.ts), the leaf, and the payload encrypted
 * (encrypt.ts). Storing is the service's. `where(i)` names item i in errors.
 */
export function prepare(inputs: readonly RecordInput[], ctx: PrepareContext, client: string, receivedAt: number, where: (i: number) => string): Prepared[] {
  const run = validateRun(inputs, ctx, receivedAt, where);
  return fillRun(run, ctx, client, receivedAt, new ArrayBuffer(run.bytes), 0);
}

/**
 * Computes each validated record into `arena` from `offset` on (run.bytes
 * bytes). The byte fields of all records (salt, key, id, leaf, ciphertext)
 * view one buffer: a thousand records cost one allocation instead of
 * thousands, and cross threads by transfer. Several runs may share an arena
 * (the single events a worker prepares in one message).
 */
export function fillRun(run: CheckedRun, ctx: PrepareContext, client: string, receivedAt: number, arena: ArrayBuffer, offset: number): Prepared[] {
  const gateway = gatewayBytes(ctx.gatewayId);
  let at = offset;
  const take = (n: number) => new Uint8Array(arena, (at += n) - n, n);
  return run.items.map((c): Prepared => {
    // Salt and data key sit side by side in the arena: one draw for both.
    randomFill(new Uint8Array(arena, at, SALT_LENGTH + sm4.DATA_KEY_LENGTH));
    const salt = take(SALT_LENGTH);
    const dataKey = take(sm4.DATA_KEY_LENGTH);
    const idBytes = uuidv7(receivedAt, take(16));
    const { commitmentHex, payloadBytes } = commit(salt, c.text, c.bytes);
    const kind = kindCode(c.kind);
    const leafBytes = writeLeaf(take(LEAF_LENGTH), { kind, id: idBytes, gateway, subject: c.subject.bytes, ts: c.ts, commitment: Buffer.from(commitmentHex, 'hex') });
    const sealedPayload = encrypt(payloadBytes, dataKey, take(1 + c.bytes));
    const id = toHex(idBytes);
    const leaf: Leaf = { v: 1, kind, id, gateway: ctx.gatewayId, subject: c.subject.hex, ts: c.ts, commitment: commitmentHex };
    const record: NewRecord = { id, leaf: leafBytes, sealedPayload, keyRef: null /* assigned by the key vault when written */, salt, client, receivedAt };
    const p: Prepared = { record, dataKey, kind: c.kind, leaf };
    if (c.input.idempotencyKey !== undefined) {
      record.idempotencyKey = c.input.idempotencyKey;
      // What makes two requests "the same": kind, subject, payload and stated time.
      p.idemDigest = toHex(sm3(jcs({ kind: c.kind, subject: leaf.subject, payload: c.input.payload, occurredAt: c.input.occurredAt ?? null })));
      record.idempotencyDigest = p.idemDigest;
    }
    return p;
  });
}

/** The gateway id as bytes, decoded once per thread rather than once per request. */
let gatewayCache: { hex: string; bytes: Uint8Array } | null = null;

function gatewayBytes(hex: string): Uint8Array {
  if (gatewayCache?.hex !== hex) gatewayCache = { hex, bytes: fromHex(hex, 32, 'gateway id') };
  return gatewayCache.bytes;
}
