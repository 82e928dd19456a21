import { kindName, LEAF_LENGTH, SALT_LENGTH, sm4, type Leaf } from '@evidence/core';
import type { Prepared } from '../../evidence/prepare.js';

/**
 * Prepared records as they travel from an intake worker back to the main
 * thread: a few strings and typed arrays per run instead of a graph of objects.
 * Structured clone of `Prepared` objects costs about ten times more on both
 * sides together (README: Intake threads). The byte fields stay views into
 * the arena, which is transferred beside the packed runs.
 *
 * Only what differs between records travels: the client, the receive time and
 * the gateway id are the job's, and the main thread has them.
 */
export interface PackedRun {
  count: number;
  /** Record ids, 32 hex digits each. */
  ids: string;
  /** Subject pseudonyms, 64 hex digits each. */
  subjects: string;
  /** Commitments, 64 hex digits each. */
  commitments: string;
  kinds: Uint8Array;
  ts: Float64Array;
  /** Per record, offsets into the arena: salt, data key, leaf, sealed payload; then the sealed payload's length. */
  at: Uint32Array;
  /** Idempotency key and request digest per record, only when some record has one. */
  idem?: ({ key: string; digest: string } | null)[];
}

/** What the main thread knows of a job: the same for every record in it. */
export interface RunContext {
  client: string;
  receivedAt: number;
  gatewayId: string;
}

const SLOTS = 5;

/** In the worker: a run of prepared records, all viewing `arena`, packed for the trip. */
export function packRun(prepared: readonly Prepared[], arena: ArrayBuffer): PackedRun {
  const count = prepared.length;
  const kinds = new Uint8Array(count);
  const ts = new Float64Array(count);
  const at = new Uint32Array(SLOTS * count);
  let ids = '';
  let subjects = '';
  let commitments = '';
  let idem: PackedRun['idem'];
  prepared.forEach((p, i) => {
    const { record, leaf } = p;
    if (record.salt!.buffer !== arena || p.dataKey.buffer !== arena || record.leaf.buffer !== arena || record.sealedPayload!.buffer !== arena) {
      throw new Error('packRun: a prepared record does not view the arena');
    }
    ids += record.id;
    subjects += leaf.subject;
    commitments += leaf.commitment;
    kinds[i] = leaf.kind;
    ts[i] = leaf.ts;
    const o = SLOTS * i;
    at[o] = record.salt!.byteOffset;
    at[o + 1] = p.dataKey.byteOffset;
    at[o + 2] = record.leaf.byteOffset;
    at[o + 3] = record.sealedPayload!.byteOffset;
    at[o + 4] = record.sealedPayload!.byteLength;
    if (record.idempotencyKey !== undefined) {
      idem ??= new Array<null>(count).fill(null);
      idem[i] = { key: record.idempotencyKey, digest: p.idemDigest! };
    }
  });
  const run: PackedRun = { count, ids, subjects, commitments, kinds, ts, at };
  if (idem) run.idem = idem;
  return run;
}

/** On the main thread: the prepared records again, their byte fields viewing the transferred arena. */
export function unpackRun(run: PackedRun, arena: ArrayBuffer, ctx: RunContext): Prepared[] {
  const out = new Array<Prepared>(run.count);
  for (let i = 0; i < run.count; i++) {
    const o = SLOTS * i;
    const id = run.ids.slice(32 * i, 32 * i + 32);
    const kind = run.kinds[i]!;
    const leaf: Leaf = {
      v: 1,
      kind,
      id,
      gateway: ctx.gatewayId,
      subject: run.subjects.slice(64 * i, 64 * i + 64),
      ts: run.ts[i]!,
      commitment: run.commitments.slice(64 * i, 64 * i + 64),
    };
    const record: Prepared['record'] = {
      id,
      leaf: new Uint8Array(arena, run.at[o + 2]!, LEAF_LENGTH),
      sealedPayload: new Uint8Array(arena, run.at[o + 3]!, run.at[o + 4]!),
      keyRef: null,
      salt: new Uint8Array(arena, run.at[o]!, SALT_LENGTH),
      client: ctx.client,
      receivedAt: ctx.receivedAt,
    };
    const p: Prepared = { record, dataKey: new Uint8Array(arena, run.at[o + 1]!, sm4.DATA_KEY_LENGTH), kind: kindName(kind), leaf };
    const idem = run.idem?.[i];
    if (idem) {
      record.idempotencyKey = idem.key;
      record.idempotencyDigest = idem.digest;
      p.idemDigest = idem.digest;
    }
    out[i] = p;
  }
  return out;
}
