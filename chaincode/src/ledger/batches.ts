import {
  BUNDLE_FORMAT_V2,
  encodeHeader,
  encodeLeaf,
  fromHex,
  hashFor,
  type BatchHeader,
  type HashAlg,
  type Leaf,
  leafHash,
  verifyInclusion,
} from '@evidence/core';
import type { Context } from '../fabric.js';
import { hexArg, objectArg, uintField, type Json } from './args.js';
import { inclusionValue, proveBatchInLog, type InclusionProof } from './checkpoints.js';
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

const HEADER_KEYS = ['v', 'gateway', 'seq', 'alg', 'size', 'root', 'prev', 'closedAt'] as const;

/** A BatchHeader from a JSON value: exactly its eight fields, each checked by encodeHeader. */
export function headerValue(value: Json | undefined, what: string): BatchHeader {
  const header = objectArg(value, what, HEADER_KEYS) as unknown as BatchHeader;
  encodeHeader(header);
  return header;
}

/**
 * An evidence item as consent grants and claims carry it: a leaf and its proof
 * in the batch (gateway, seq). Version 1 items name a batch anchored on its
 * own; version 2 items are proof bundles (spec section 12) whose batch is
 * anchored through a checkpoint of the gateway's log, and carry the header and
 * its place in the log.
 */
export interface EvidenceItem {
  gateway: string;
  seq: number;
  leaf: Leaf;
  inclusion: InclusionProof;
  log?: { batch: BatchHeader; inclusion: InclusionProof };
}

/**
 * Either shape of an item. A version 2 bundle is read for what the proof
 * needs (leaf, inclusion, batch, log.inclusion); its signatures and
 * cosignatures are not: the anchored checkpoint already commits to the header.
 * A disclosure is refused, because a submitted argument is written into the
 * block: a payload sent here would be on the ledger for good.
 */
export function evidenceItemArg(value: Json | undefined, what: string): EvidenceItem {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && value.format === BUNDLE_FORMAT_V2) {
    const b = objectArg(value, what, ['format', 'leaf', 'inclusion', 'batch', 'log'], ['disclosure', 'signature', 'anchor']);
    if (b.disclosure !== undefined && b.disclosure !== null) {
      refuse('CHAINCODE_BAD_ARGUMENT', `${what}.disclosure must be null: send bundles without their payload, which would otherwise be written to the ledger`);
    }
    const batch = headerValue(b.batch, `${what}.batch`);
    const log = objectArg(b.log, `${what}.log`, ['inclusion'], ['checkpoint', 'signature', 'cosignatures']);
    return {
      gateway: batch.gateway,
      seq: batch.seq,
      leaf: leafValue(b.leaf, `${what}.leaf`),
      inclusion: inclusionValue(b.inclusion, `${what}.inclusion`),
      log: { batch, inclusion: inclusionValue(log.inclusion, `${what}.log.inclusion`) },
    };
  }
  const o = objectArg(value, what, ['gateway', 'seq', 'leaf', 'inclusion']);
  return {
    gateway: hexArg(o.gateway, 32, `${what}.gateway`),
    seq: uintField(o.seq, `${what}.seq`),
    leaf: leafValue(o.leaf, `${what}.leaf`),
    inclusion: inclusionValue(o.inclusion, `${what}.inclusion`),
  };
}

function leafValue(value: Json | undefined, what: string): Leaf {
  // Its fields are checked by encodeLeaf in proveItem.
  return objectArg(value, what, ['v', 'kind', 'id', 'gateway', 'subject', 'ts', 'commitment']) as unknown as Leaf;
}

/**
 * Proves an item against what is anchored here: the leaf is well formed and
 * belongs to the item's gateway, and the RFC 9162 proof yields the batch root
 * under the batch's algorithm with the batch's size. Version 1: the batch
 * (gateway, seq) is anchored and its root and size are read from the ledger.
 * Version 2: root and size are the header's, and the header is proven in the
 * gateway's log at an anchored checkpoint (proveBatchInLog). Returns the leaf
 * hash. The item comes from the caller, so each defect is refused.
 */
export async function proveItem(
  ctx: Context,
  item: EvidenceItem,
  what: string,
  codes: { notAnchored: ChaincodeErrorCode; badProof: ChaincodeErrorCode },
): Promise<Uint8Array> {
  const leafBytes = encodeLeaf(item.leaf); // refuses a malformed leaf with its EVIDENCE_* code
  if (item.leaf.gateway !== item.gateway) refuse(codes.badProof, `${what}.leaf.gateway is not the item's gateway`);
  let batch: { alg: HashAlg; size: number; root: string };
  if (item.log) {
    batch = item.log.batch;
    await proveBatchInLog(ctx, item.log.batch, item.log.inclusion, `${what}.log.inclusion`, codes);
  } else {
    const anchored = await getBatch(ctx, item.gateway, item.seq);
    if (!anchored) refuse(codes.notAnchored, `${what}: batch ${item.seq} of gateway ${item.gateway} is not anchored`);
    batch = anchored;
  }
  const hash = leafHash(batch.alg, leafBytes);
  if (item.inclusion.size !== batch.size) {
    refuse(codes.badProof, `${what}.inclusion.size ${item.inclusion.size} is not the batch size ${batch.size}`);
  }
  const ok = verifyInclusion(
    hashFor(batch.alg),
    item.inclusion.index,
    item.inclusion.size,
    hash,
    item.inclusion.path.map((p) => fromHex(p, 32)),
    fromHex(batch.root, 32),
  );
  if (!ok) refuse(codes.badProof, `${what}: the inclusion proof does not yield the root of batch ${item.seq}`);
  return hash;
}
