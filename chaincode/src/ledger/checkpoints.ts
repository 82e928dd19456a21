import { encodeCheckpoint, fromHex, hashFor, logLeafHash, verifyInclusion, type BatchHeader, type Checkpoint, type HashAlg } from '@evidence/core';
import type { Context } from '../fabric.js';
import { arrayArg, hexArg, jsonArg, objectArg, uintField, type Json } from './args.js';
import { refuse, type ChaincodeErrorCode } from './errors.js';
import { KEY, key, readJson, sortable } from './state.js';

/**
 * An anchored checkpoint of a gateway's batch log (spec section 11), with what
 * the chaincode checked and when. The same record is kept under
 * checkpoint[gateway, size] (bundles name a size), checkpoint~index[gateway,
 * index] (paging in anchoring order without range scans: positions are dense)
 * and, for the latest, checkpoint~head[gateway].
 */
export interface CheckpointRecord {
  gateway: string;
  /** Position among this gateway's anchored checkpoints, 0 for the first. */
  index: number;
  alg: HashAlg;
  size: number;
  root: string;
  /** The checkpoint's ts as the gateway signed it (ms). */
  ts: number;
  /** The gateway's SM2 signature over checkpointBytes, verified before it was stored. */
  signature: string;
  /** The transaction timestamp (ms). */
  anchoredAt: number;
  txId: string;
}

export function checkpointKey(ctx: Context, gateway: string, size: number): string {
  return key(ctx, KEY.checkpoint, [gateway, sortable(size)]);
}

export function checkpointIndexKey(ctx: Context, gateway: string, index: number): string {
  return key(ctx, KEY.checkpointIndex, [gateway, sortable(index)]);
}

export function checkpointHeadKey(ctx: Context, gateway: string): string {
  return key(ctx, KEY.checkpointHead, [gateway]);
}

export async function getCheckpointHead(ctx: Context, gateway: string): Promise<CheckpointRecord | null> {
  return readJson<CheckpointRecord>(ctx, checkpointHeadKey(ctx, gateway));
}

export async function getCheckpoint(ctx: Context, gateway: string, size: number): Promise<CheckpointRecord | null> {
  return readJson<CheckpointRecord>(ctx, checkpointKey(ctx, gateway, size));
}

export async function getCheckpointByIndex(ctx: Context, gateway: string, index: number): Promise<CheckpointRecord | null> {
  return readJson<CheckpointRecord>(ctx, checkpointIndexKey(ctx, gateway, index));
}

const CHECKPOINT_KEYS = ['gateway', 'alg', 'size', 'root', 'ts'] as const;

/** A Checkpoint from a JSON value: exactly its five fields, each checked by encodeCheckpoint (hex, size >= 1, integers). */
export function checkpointValue(value: Json | undefined, what: string): Checkpoint {
  const cp = objectArg(value, what, CHECKPOINT_KEYS) as unknown as Checkpoint;
  encodeCheckpoint(cp);
  return cp;
}

export function checkpointArg(text: string): Checkpoint {
  return checkpointValue(jsonArg(text, 'checkpoint'), 'checkpoint');
}

/** An RFC 9162 inclusion proof as JSON: {index, size, path}. */
export interface InclusionProof {
  index: number;
  size: number;
  path: string[];
}

export function inclusionValue(value: Json | undefined, what: string): InclusionProof {
  const inc = objectArg(value, what, ['index', 'size', 'path']);
  return {
    index: uintField(inc.index, `${what}.index`),
    size: uintField(inc.size, `${what}.size`),
    path: arrayArg(inc.path, `${what}.path`, 64).map((p, i) => hexArg(p, 32, `${what}.path[${i}]`)),
  };
}

/**
 * Proves that `batch` is entry `batch.seq` of its gateway's batch log at a
 * size anchored here (spec section 9): the root is the one this ledger
 * anchored at (gateway, inclusion.size), never one the caller supplies, so the
 * caller controls only the header and the path, and a header the gateway never
 * logged has no path to an anchored root. The log's algorithm is the anchored
 * checkpoint's. Returns that checkpoint.
 */
export async function proveBatchInLog(
  ctx: Context,
  batch: BatchHeader,
  inclusion: InclusionProof,
  what: string,
  codes: { notAnchored: ChaincodeErrorCode; badProof: ChaincodeErrorCode },
): Promise<CheckpointRecord> {
  if (inclusion.index !== batch.seq) refuse(codes.badProof, `${what}.index ${inclusion.index} is not the batch's seq ${batch.seq}`);
  const anchored = await getCheckpoint(ctx, batch.gateway, inclusion.size);
  if (!anchored) refuse(codes.notAnchored, `${what}: no checkpoint of size ${inclusion.size} of gateway ${batch.gateway} is anchored`);
  if (batch.alg !== anchored.alg) refuse(codes.badProof, `${what}: the batch uses ${batch.alg}, the anchored log ${anchored.alg}`);
  const ok = verifyInclusion(
    hashFor(anchored.alg),
    inclusion.index,
    inclusion.size,
    logLeafHash(batch),
    inclusion.path.map((p) => fromHex(p, 32)),
    fromHex(anchored.root, 32),
  );
  if (!ok) refuse(codes.badProof, `${what}: the log inclusion proof of batch ${batch.seq} does not yield the root anchored at size ${inclusion.size}`);
  return anchored;
}
