import {
  fromHex,
  isKnownKind,
  jcs,
  jcsString,
  kindCode,
  kindName,
  LEAF_LENGTH,
  randomFill,
  SALT_LENGTH,
  sm3,
  sm3Hex,
  sm4,
  subjectPseudonym,
  toHex,
  uuidv7,
  writeLeaf,
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


/** One item after the checks (first pass), before anything is computed. */
export interface Checked {
  input: RecordInput;
  kind: EvidenceKindName;
  subject: Pseudonym;
  ts: number;
  /** JCS(payload) as text; its UTF-8 length is `bytes`. */
  text: string;
  bytes: number;
}

/** Per record in the arena: salt, data key, id, leaf, and the payload ciphertext (version byte + payload). */
const FIXED = SALT_LENGTH + sm4.DATA_KEY_LENGTH + 16 + LEAF_LENGTH + 1;

/** A run of prepared records and the one buffer all their byte fields view (transferable to another thread). */
export interface PreparedRun {
  prepared: Prepared[];
  arena: ArrayBuffer;
}

/**
 * Validates and prepares a run of events (spec section 4): kind and payload
 * shape, the subject's pseudonym, salt and commitment SM3(salt || JCS(payload)),
 * a UUIDv7 id, the leaf, and the payload encrypted with SM4 under a fresh key.
 * Pure computation, so it runs on the main thread or in an intake worker.
 * `where(i)` names item i in errors ("body/items/3/").
 *
 * Every item is checked before anything is computed, so the first bad item is
 * the one reported. The byte fields of all records (salt, key, id, leaf,
 * ciphertext) are views into one buffer: a thousand records cost one
 * allocation instead of thousands, and cross to the main thread by transfer.
 */
export function prepareRun(inputs: readonly RecordInput[], ctx: PrepareContext, client: string, receivedAt: number, where: (i: number) => string): PreparedRun {
  const run = checkRun(inputs, ctx, receivedAt, where);
  const arena = new ArrayBuffer(run.bytes);
  return { prepared: fillRun(run, ctx, client, receivedAt, arena, 0), arena };
}

/** A run of events that passed every check, and the arena bytes its records will take. */
export interface CheckedRun {
  items: Checked[];
  bytes: number;
}

/** The first pass of prepareRun: every check, in order, nothing computed. */
export function checkRun(inputs: readonly RecordInput[], ctx: PrepareContext, receivedAt: number, where: (i: number) => string): CheckedRun {
  let bytes = 0;
  const items = inputs.map((input, i): Checked => {
    const c = check(input, ctx, receivedAt, where(i));
    bytes += FIXED + c.bytes;
    return c;
  });
  return { items, bytes };
}

/** SM3 input salt || JCS(payload), reused from record to record (one thread, no await in between). */
let scratch = Buffer.allocUnsafe(8192);

/**
 * The second pass: computes each record into `arena` from `offset` on
 * (run.bytes bytes). Several runs may share one arena, e.g. the single events
 * a worker prepares in one message.
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
    if (scratch.length < SALT_LENGTH + c.bytes) scratch = Buffer.allocUnsafe(2 * (SALT_LENGTH + c.bytes));
    scratch.set(salt, 0);
    scratch.write(c.text, SALT_LENGTH, 'utf8');
    const payloadBytes = scratch.subarray(SALT_LENGTH, SALT_LENGTH + c.bytes);
    // commitment = SM3(salt || JCS(payload)), spec section 4
    const commitmentHex = sm3Hex(scratch.subarray(0, SALT_LENGTH + c.bytes));
    const commitment = Buffer.from(commitmentHex, 'hex');
    const leafBytes = writeLeaf(take(LEAF_LENGTH), { kind: kindCode(c.kind), id: idBytes, gateway, subject: c.subject.bytes, ts: c.ts, commitment });
    // Integrity comes from the commitment above, checked again whenever the payload is opened.
    const sealedPayload = sm4.encryptPayloadInto(payloadBytes, dataKey, take(1 + c.bytes));
    const id = toHex(idBytes);
    const leaf: Leaf = { v: 1, kind: kindCode(c.kind), id, gateway: ctx.gatewayId, subject: c.subject.hex, ts: c.ts, commitment: commitmentHex };
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

export function prepareMany(inputs: readonly RecordInput[], ctx: PrepareContext, client: string, receivedAt: number, where: (i: number) => string): Prepared[] {
  return prepareRun(inputs, ctx, client, receivedAt, where).prepared;
}

function check(input: RecordInput, ctx: PrepareContext, receivedAt: number, where: string): Checked {
  const kind = kindOf(input.kind, where);
  assertPayload(kind, input.payload, `${where}payload`);
  const subject = subjectOf(input.subject, ctx.subjectKey, where);
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

interface Pseudonym {
  hex: string;
  bytes: Uint8Array;
}

/**
 * Pseudonyms of recently seen patients: a patient's visit records a run of
 * events (registration, consultation, prescription, payment...) within
 * minutes. Bounded; the oldest entry goes first. The gateway holds the subject
 * key anyway, so these ID numbers are no more exposed here than in a request.
 */
const PSEUDONYM_CACHE = 4096;
const pseudonyms = new Map<string, Pseudonym>();
let pseudonymKey: Uint8Array | null = null;

function subjectOf(subject: Subject, subjectKey: Uint8Array, where: string): Pseudonym {
  if (typeof subject !== 'object' || subject === null) throw new GatewayError('VALIDATION_FAILED', `${where}subject must be an object`);
  if ('pseudonym' in subject) {
    const bytes = fromHex(subject.pseudonym, 32, `${where}subject.pseudonym`);
    return { hex: subject.pseudonym, bytes };
  }
  if (typeof subject.idNumber !== 'string' || subject.idNumber.length === 0) {
    throw new GatewayError('VALIDATION_FAILED', `${where}subject.idNumber must be a non-empty string`);
  }
  // Normalised so "11010519491231002x" and "...002X" name the same patient.
  const idNumber = subject.idNumber.trim().toUpperCase();
  if (pseudonymKey !== subjectKey) {
    // Another gateway's key in this thread (tests): never answer from the other key's entries.
    pseudonyms.clear();
    pseudonymKey = subjectKey;
  }
  let p = pseudonyms.get(idNumber);
  if (p === undefined) {
    const bytes = subjectPseudonym(subjectKey, idNumber);
    p = { hex: toHex(bytes), bytes };
    if (pseudonyms.size >= PSEUDONYM_CACHE) pseudonyms.delete(pseudonyms.keys().next().value!);
    pseudonyms.set(idNumber, p);
  }
  return p;
}
