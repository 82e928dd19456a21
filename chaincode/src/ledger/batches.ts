import {
  encodeLeaf,
  fromHex,
  hashFor,
  type HashAlg,
  type Leaf,
  leafHash,
  verifyInclusion,
} from '@evidence/core';
import type { Context } from '../fabric.js';
import { arrayArg, hexArg, objectArg, uintField, type Json } from './args.js';
import { refuse, type ChaincodeErrorCode } from './errors.js';
import { KEY, key, readJson, sortable } from './state.js';

/** A gateway's latest anchored batch: what the next batch must follow. */
export interface HeadRecord {
  seq: number;
  headerHash: string;
}

/** An anchored batch header, with what the chaincode checked and when. */
export interface BatchRecord {
  gateway: string;
  seq: number;
  alg: HashAlg;
  size: number;
  root: string;
  prev: string;
  closedAt: number;
  headerHash: string;
  /** The SM2 signature over headerBytes, verified by the chaincode before it was stored. */
  signature: string;
  anchoredAt: number;
  txId: string;
}

export function headKey(ctx: Context, gateway: string): string {
  return key(ctx, KEY.head, [gateway]);
}

export function batchKey(ctx: Context, gateway: string, seq: number): string {
  return key(ctx, KEY.batch, [gateway, sortable(seq)]);
}

export async function getHead(ctx: Context, gateway: string): Promise<HeadRecord | null> {
  return readJson<HeadRecord>(ctx, headKey(ctx, gateway));
}

export async function getBatch(ctx: Context, gateway: string, seq: number): Promise<BatchRecord | null> {
  return readJson<BatchRecord>(ctx, batchKey(ctx, gateway, seq));
}

/** An evidence item as consent grants and claims carry it: a leaf and its proof in an anchored batch. */
export interface EvidenceItem {
  gateway: string;
  seq: number;
  leaf: Leaf;
  inclusion: { index: number; size: number; path: string[] };
}

export function evidenceItemArg(value: Json | undefined, what: string): EvidenceItem {
  const o = objectArg(value, what, ['gateway', 'seq', 'leaf', 'inclusion']);
  const inc = objectArg(o.inclusion, `${what}.inclusion`, ['index', 'size', 'path']);
  const leaf = objectArg(o.leaf, `${what}.leaf`, ['v', 'kind', 'id', 'gateway', 'subject', 'ts', 'commitment']);
  return {
    gateway: hexArg(o.gateway, 32, `${what}.gateway`),
    seq: uintField(o.seq, `${what}.seq`),
    leaf: leaf as unknown as Leaf, // its fields are checked by encodeLeaf in proveItem
    inclusion: {
      index: uintField(inc.index, `${what}.inclusion.index`),
      size: uintField(inc.size, `${what}.inclusion.size`),
      path: arrayArg(inc.path, `${what}.inclusion.path`, 64).map((p, i) => hexArg(p, 32, `${what}.inclusion.path[${i}]`)),
    },
  };
}

/**
 * Proves an item against the batch anchored here: the leaf is well formed and
 * belongs to the item's gateway, the batch (gateway, seq) is anchored, and the
 * RFC 9162 proof yields its root under the batch's algorithm with the batch's size.
 * Returns the leaf hash. The item comes from the caller, so each defect is refused.
 */
export async function proveItem(
  ctx: Context,
  item: EvidenceItem,
  what: string,
  codes: { notAnchored: ChaincodeErrorCode; badProof: ChaincodeErrorCode },
): Promise<Uint8Array> {
  const leafBytes = encodeLeaf(item.leaf); // refuses a malformed leaf with its EVIDENCE_* code
  if (item.leaf.gateway !== item.gateway) refuse(codes.badProof, `${what}.leaf.gateway is not ${what}.gateway`);
  const batch = await getBatch(ctx, item.gateway, item.seq);
  if (!batch) refuse(codes.notAnchored, `${what}: batch ${item.seq} of gateway ${item.gateway} is not anchored`);
  const hash = leafHash(batch.alg, leafBytes);
  if (item.inclusion.size !== batch.size) {
    refuse(codes.badProof, `${what}.inclusion.size ${item.inclusion.size} is not the anchored batch size ${batch.size}`);
  }
  const ok = verifyInclusion(
    hashFor(batch.alg),
    item.inclusion.index,
    item.inclusion.size,
    hash,
    item.inclusion.path.map((p) => fromHex(p, 32)),
    fromHex(batch.root, 32),
  );
  if (!ok) refuse(codes.badProof, `${what}: the inclusion proof does not yield the anchored root of batch ${item.seq}`);
  return hash;
}
