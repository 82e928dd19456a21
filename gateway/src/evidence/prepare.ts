import { randomBytes } from 'node:crypto';
import {
  encodeLeaf,
  fromHex,
  isKnownKind,
  jcs,
  kindCode,
  kindName,
  sm3,
  sm4,
  subjectPseudonym,
  toHex,
  uuidv7,
  type EvidenceKindName,
  type Leaf,
} from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { NewRecord } from '../ports/store.js';
import { assertPayload } from './kinds/index.js';

export type Subject = { idNumber: string } | { pseudonym: string };

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
 * Randomness for salts and keys, drawn from the CSPRNG in 16 KiB refills
 * rather than one call per record or request: each call into the CSPRNG costs
 * about as much as sealing a small payload. Bytes are copied out and never
 * handed out twice.
 */
class RandomPool {
  private static readonly REFILL = 16 * 1024;
  private buf = randomBytes(RandomPool.REFILL);
  private at = 0;

  take(n: number): Uint8Array {
    if (this.at + n > this.buf.length) {
      this.buf = randomBytes(Math.max(RandomPool.REFILL, n));
      this.at = 0;
    }
    const out = new Uint8Array(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
}

const random = new RandomPool();

/**
 * Validates and prepares a run of events (spec section 4): kind and payload
 * shape, the subject's pseudonym, salt and commitment SM3(salt || JCS(payload)),
 * a UUIDv7 id, the leaf, and the payload sealed with SM4 under a fresh key.
 * Pure computation, so it runs on the main thread or in an intake worker.
 * `where(i)` names item i in errors ("body/items/3/").
 */
export function prepareMany(inputs: readonly RecordInput[], ctx: PrepareContext, client: string, receivedAt: number, where: (i: number) => string): Prepared[] {
  // Within one request the same patient often appears many times.
  const pseudonyms = new Map<string, string>();
  return inputs.map((input, i) => prepareOne(input, ctx, client, receivedAt, where(i), pseudonyms));
}

function prepareOne(
  input: RecordInput,
  ctx: PrepareContext,
  client: string,
  receivedAt: number,
  where: string,
  pseudonyms: Map<string, string>,
): Prepared {
  const kind = kindOf(input.kind, where);
  assertPayload(kind, input.payload, `${where}payload`);
  const subject = subjectOf(input.subject, ctx.subjectKey, where, pseudonyms);
  const ts = input.occurredAt ?? receivedAt;
  if (!Number.isSafeInteger(ts) || ts < 0) throw new GatewayError('VALIDATION_FAILED', `${where}occurredAt must be a non-negative integer (ms)`);

  const payloadBytes = jcs(input.payload);
  const salt = random.take(32);
  const dataKey = random.take(sm4.DATA_KEY_LENGTH);
  const idBytes = uuidv7(receivedAt);
  const id = toHex(idBytes);
  const leaf: Leaf = {
    v: 1,
    kind: kindCode(kind),
    id,
    gateway: ctx.gatewayId,
    subject,
    ts,
    // commitment = SM3(salt || JCS(payload)), spec section 4
    commitment: toHex(sm3(salt, payloadBytes)),
  };
  const record: NewRecord = {
    id,
    leaf: encodeLeaf(leaf),
    // Integrity comes from the commitment above, checked again whenever the payload is opened.
    sealedPayload: sm4.encryptPayload(payloadBytes, dataKey),
    keyRef: null, // assigned by the key vault when written
    salt,
    client,
    receivedAt,
  };
  const prepared: Prepared = { record, dataKey, kind, leaf };
  if (input.idempotencyKey !== undefined) {
    record.idempotencyKey = input.idempotencyKey;
    // What makes two requests "the same": kind, subject, payload and stated time.
    prepared.idemDigest = toHex(sm3(jcs({ kind, subject: leaf.subject, payload: input.payload, occurredAt: input.occurredAt ?? null })));
    record.idempotencyDigest = prepared.idemDigest;
  }
  return prepared;
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

function subjectOf(subject: Subject, subjectKey: Uint8Array, where: string, cache: Map<string, string>): string {
  if (typeof subject !== 'object' || subject === null) throw new GatewayError('VALIDATION_FAILED', `${where}subject must be an object`);
  if ('pseudonym' in subject) return toHex(fromHex(subject.pseudonym, 32, `${where}subject.pseudonym`));
  if (typeof subject.idNumber !== 'string' || subject.idNumber.length === 0) {
    throw new GatewayError('VALIDATION_FAILED', `${where}subject.idNumber must be a non-empty string`);
  }
  // Normalised so "11010519491231002x" and "...002X" name the same patient.
  const idNumber = subject.idNumber.trim().toUpperCase();
  let p = cache.get(idNumber);
  if (p === undefined) cache.set(idNumber, (p = toHex(subjectPseudonym(subjectKey, idNumber))));
  return p;
}
