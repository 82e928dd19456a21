import {
  BUNDLE_FORMAT_V2,
  checkConsistency,
  decodeLeaf,
  encodeLeaf,
  fromHex,
  hashFor,
  headerHash,
  leafHash,
  toHex,
  verifyBundle,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyHeaderSignature,
  verifyInclusion,
  ZERO32,
  type BatchHeader,
  type Leaf,
} from '@evidence/core';
import type { Context } from '../fabric.js';
import { arrayArg, hexArg, jsonArg, uintArg } from '../ledger/args.js';
import { batchKey, getBatch, getHead, headerValue, headKey, type BatchRecord, type HeadRecord } from '../ledger/batches.js';
import { verifyBundleV2 } from '../ledger/bundle-v2.js';
import {
  checkpointArg,
  checkpointHeadKey,
  checkpointIndexKey,
  checkpointKey,
  getCheckpoint,
  getCheckpointByIndex,
  getCheckpointHead,
  type CheckpointRecord,
} from '../ledger/checkpoints.js';
import { clockPolicy } from '../ledger/clock.js';
import { refuse } from '../ledger/errors.js';
import { gatewayKeyAt, getGateway, requireGatewayCaller } from '../ledger/registry.js';
import { emit, key, KEY, now, result, scan, sortable, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { declareContract, evaluate, submit } from './transaction.js';

const ZERO = toHex(ZERO32);

/**
 * Anchors signed batch headers (spec section 6, version 1) and signed
 * checkpoints of gateways' batch logs (spec section 11, version 2) with SM3
 * trees, and answers the online half of proof verification. Unlike an EVM
 * contract this chaincode verifies the gateway's SM2 signatures and SM3
 * proofs itself.
 */
export class AnchorContract extends EvidenceContract {
  constructor() {
    super('anchor');
  }

  /**
   * Anchors `header` (BatchHeader JSON) signed by `signature` (hex r||s over headerBytes).
   * Accepted only from the identity bound to header.gateway, only with alg sm3,
   * only for a gateway that has not anchored checkpoints, seq = last + 1,
   * prev = last headerHash, and a signature by the gateway's key for that seq. Checks run cheapest first, so a stranger cannot make the peer
   * verify signatures.
   */
  async Anchor(ctx: Context, header: string, signature: string): Promise<string> {
    const h = headerArg(header);
    const sig = fromHex(signature, 64, 'signature');
    await requireGatewayCaller(ctx, h.gateway, 'ANCHOR_UNAUTHORIZED');
    if (h.alg !== 'sm3') refuse('ANCHOR_BAD_ALG', `batches anchored on Fabric use sm3 trees, got ${h.alg}`);
    if (await getCheckpointHead(ctx, h.gateway)) {
      refuse('ANCHORED_BY_CHECKPOINTS', `gateway ${h.gateway} anchors checkpoints of its log: its batches are not also anchored one by one`);
    }
    const head = await getHead(ctx, h.gateway);
    const expectedSeq = head ? head.seq + 1 : 0;
    if (h.seq !== expectedSeq) refuse('ANCHOR_OUT_OF_ORDER', `gateway ${h.gateway} must anchor seq ${expectedSeq} next, got ${h.seq}`);
    const expectedPrev = head ? head.headerHash : ZERO;
    if (h.prev !== expectedPrev) refuse('ANCHOR_FORK', `prev of seq ${h.seq} must be ${expectedPrev}, got ${h.prev}`);
    const publicKey = await gatewayKeyAt(ctx, h.gateway, h.seq);
    if (!publicKey || !verifyHeaderSignature(h, sig, publicKey)) {
      refuse('ANCHOR_BAD_SIGNATURE', `the header signature does not verify with the key of gateway ${h.gateway} for seq ${h.seq}`);
    }

    const hash = toHex(headerHash(h));
    const txId = ctx.stub.getTxID();
    const record: BatchRecord = { ...pick(h), headerHash: hash, signature, anchoredAt: now(ctx), txId };
    const nextHead: HeadRecord = { seq: h.seq, headerHash: hash };
    await writeJson(ctx, batchKey(ctx, h.gateway, h.seq), record);
    await writeJson(ctx, headKey(ctx, h.gateway), nextHead);
    await writeJson(ctx, key(ctx, KEY.root, [h.root, h.gateway, sortable(h.seq)]), { gateway: h.gateway, seq: h.seq });
    emit(ctx, 'BatchAnchored', { gateway: h.gateway, seq: h.seq, root: h.root, size: h.size, headerHash: hash });
    return result({ txId, gateway: h.gateway, seq: h.seq, headerHash: hash });
  }

  /**
   * Anchors a checkpoint of the gateway's batch log: `checkpoint` JSON
   * {gateway, alg, size, root, ts}, `signature` hex r||s over checkpointBytes,
   * `proof` JSON array of hex, the RFC 9162 consistency proof from the last
   * anchored checkpoint to this one (empty for the first). One transaction
   * anchors every batch below `size`. Accepted only from the identity bound
   * to the gateway, only with alg sm3, only for a gateway that has not
   * anchored batches one by one, ts within the clock bound of the
   * transaction time, size above the last anchored size, a proof that the log
   * only grew (so a gateway can neither rewrite nor drop anchored batches),
   * and a signature by the gateway's key for batch size - 1. Checks run
   * cheapest first: a stranger is turned away before any hashing, and only
   * the gateway's own identity can make the peer verify a signature.
   */
  async AnchorCheckpoint(ctx: Context, checkpoint: string, signature: string, proof: string): Promise<string> {
    const cp = checkpointArg(checkpoint);
    const sig = fromHex(signature, 64, 'signature');
    const hashes = proofArg(proof);
    await requireGatewayCaller(ctx, cp.gateway, 'ANCHOR_UNAUTHORIZED');
    if (cp.alg !== 'sm3') refuse('ANCHOR_BAD_ALG', `checkpoints anchored on Fabric are of sm3 logs, got ${cp.alg}`);
    // A batch anchored both on its own and as an entry of the log could be
    // anchored with two different headers; each gateway uses one way only.
    const batchHead = await getHead(ctx, cp.gateway);
    if (batchHead) refuse('ANCHORED_PER_BATCH', `gateway ${cp.gateway} anchors its batches one by one (next seq ${batchHead.seq + 1}): it cannot also anchor checkpoints`);
    const at = now(ctx);
    const { maxSkewMs } = clockPolicy;
    // The gateway chose ts, and the client chose the transaction time, which
    // now() has bounded against this peer's clock; the same bound keeps a
    // checkpoint signed long ago (or post-dated) from being anchored as current.
    if (maxSkewMs !== null && Math.abs(cp.ts - at) > maxSkewMs) {
      refuse('CHECKPOINT_BAD_TIME', `checkpoint.ts is ${cp.ts - at} ms from the transaction time, beyond the ${maxSkewMs} ms accepted: sign a fresh checkpoint`);
    }
    const head = await getCheckpointHead(ctx, cp.gateway);
    if (head && cp.size <= head.size) {
      refuse('ANCHOR_STALE_CHECKPOINT', `gateway ${cp.gateway} has anchored its log at size ${head.size}; a checkpoint must be larger, got ${cp.size}`);
    }
    if (!head && hashes.length > 0) refuse('ANCHOR_INCONSISTENT', 'the first checkpoint of a gateway takes an empty consistency proof');
    if (head && !verifyConsistency(hashFor('sm3'), head.size, cp.size, fromHex(head.root, 32), fromHex(cp.root, 32), hashes)) {
      refuse('ANCHOR_INCONSISTENT', `the proof does not show that the log of size ${cp.size} with this root extends the anchored log of size ${head.size}`);
    }
    const publicKey = await gatewayKeyAt(ctx, cp.gateway, cp.size - 1);
    if (!publicKey || !verifyCheckpointSignature(cp, sig, publicKey)) {
      refuse('ANCHOR_BAD_SIGNATURE', `the checkpoint signature does not verify with the key of gateway ${cp.gateway} for seq ${cp.size - 1}`);
    }

    const txId = ctx.stub.getTxID();
    const record: CheckpointRecord = {
      gateway: cp.gateway,
      index: head ? head.index + 1 : 0,
      alg: cp.alg,
      size: cp.size,
      root: cp.root,
      ts: cp.ts,
      signature,
      anchoredAt: at,
      txId,
    };
    await writeJson(ctx, checkpointKey(ctx, cp.gateway, cp.size), record);
    await writeJson(ctx, checkpointIndexKey(ctx, cp.gateway, record.index), record);
    await writeJson(ctx, checkpointHeadKey(ctx, cp.gateway), record);
    emit(ctx, 'CheckpointAnchored', { gateway: cp.gateway, index: record.index, size: cp.size, root: cp.root, ts: cp.ts });
    return result({ txId, gateway: cp.gateway, index: record.index, size: cp.size, root: cp.root });
  }

  /** The gateway's last anchored checkpoint, or null before its first. */
  async LatestCheckpoint(ctx: Context, gateway: string): Promise<string> {
    return result(await getCheckpointHead(ctx, hexArg(gateway, 32, 'gateway')));
  }

  /** The gateway's anchored checkpoint of exactly this log size, or null. */
  async GetCheckpoint(ctx: Context, gateway: string, size: string): Promise<string> {
    return result(await getCheckpoint(ctx, hexArg(gateway, 32, 'gateway'), uintArg(size, 'size')));
  }

  /**
   * Up to `limit` (1..100) of the gateway's anchored checkpoints in anchoring
   * order, from position `from`: one key read each (positions are dense), so
   * the cost does not grow with the gateway's history.
   */
  async ListCheckpoints(ctx: Context, gateway: string, from: string, limit: string): Promise<string> {
    hexArg(gateway, 32, 'gateway');
    const start = uintArg(from, 'from');
    const max = uintArg(limit, 'limit');
    if (max < 1 || max > 100) refuse('CHAINCODE_BAD_ARGUMENT', 'limit must be 1..100');
    const out: CheckpointRecord[] = [];
    for (let index = start; out.length < max && Number.isSafeInteger(index); index++) {
      const record = await getCheckpointByIndex(ctx, gateway, index);
      if (!record) break;
      out.push(record);
    }
    return result(out);
  }

  /**
   * RFC 9162 consistency proof verification under SM3 (section 2.1.4.2):
   * whether `proof` (JSON array of hex) shows that the log of size `second`
   * with `secondRoot` extends the log of size `first` with `firstRoot`. A
   * proof that does not hold is false; malformed arguments, first = 0,
   * first > second and a non-empty proof for equal sizes are refused.
   */
  async VerifyConsistency(_ctx: Context, first: string, second: string, firstRoot: string, secondRoot: string, proof: string): Promise<string> {
    return result(
      checkConsistency(hashFor('sm3'), uintArg(first, 'first'), uintArg(second, 'second'), fromHex(firstRoot, 32, 'firstRoot'), fromHex(secondRoot, 32, 'secondRoot'), proofArg(proof)),
    );
  }

  /** {seq, headerHash} of the gateway's latest batch, or null before its first. */
  async LatestBatch(ctx: Context, gateway: string): Promise<string> {
    return result(await getHead(ctx, hexArg(gateway, 32, 'gateway')));
  }

  /** The anchored batch (gateway, seq) with its signature and transaction, or null. */
  async GetBatch(ctx: Context, gateway: string, seq: string): Promise<string> {
    return result(await getBatch(ctx, hexArg(gateway, 32, 'gateway'), uintArg(seq, 'seq')));
  }

  /** Up to `limit` (1..100) batches of a gateway from `fromSeq` on, in seq order. */
  async ListBatches(ctx: Context, gateway: string, fromSeq: string, limit: string): Promise<string> {
    hexArg(gateway, 32, 'gateway');
    const from = uintArg(fromSeq, 'fromSeq');
    const max = uintArg(limit, 'limit');
    if (max < 1 || max > 100) refuse('CHAINCODE_BAD_ARGUMENT', 'limit must be 1..100');
    const out: BatchRecord[] = [];
    for await (const entry of scan<BatchRecord>(ctx, KEY.batch, [gateway])) {
      if (entry.value.seq < from) continue;
      out.push(entry.value);
      if (out.length === max) break;
    }
    return result(out);
  }

  /** The SM2 public key registered for the gateway's batch `seq` (keys rotate), or null. */
  async KeyAt(ctx: Context, gateway: string, seq: string): Promise<string> {
    return result(await gatewayKeyAt(ctx, hexArg(gateway, 32, 'gateway'), uintArg(seq, 'seq')));
  }

  /** Whether `root` is the root of an anchored batch, and of which. */
  async IsRootAnchored(ctx: Context, root: string): Promise<string> {
    for await (const entry of scan<{ gateway: string; seq: number }>(ctx, KEY.root, [hexArg(root, 32, 'root')])) {
      return result({ anchored: true, gateway: entry.value.gateway, seq: entry.value.seq });
    }
    return result({ anchored: false });
  }

  /** leafBytes (spec section 4) of a leaf given as JSON. */
  async EncodeLeaf(_ctx: Context, leaf: string): Promise<string> {
    return result(toHex(encodeLeaf(jsonArg(leaf, 'leaf') as unknown as Leaf)));
  }

  /** SM3(0x00 || leafBytes) for a 122-byte leaf given as hex; malformed leaves are refused. */
  async LeafHash(_ctx: Context, leafBytes: string): Promise<string> {
    const bytes = fromHex(leafBytes, 122, 'leafBytes');
    decodeLeaf(bytes);
    return result(toHex(leafHash('sm3', bytes)));
  }

  /** headerHash = H(headerBytes) under the header's own algorithm. */
  async HeaderHash(_ctx: Context, header: string): Promise<string> {
    return result(toHex(headerHash(headerArg(header))));
  }

  /** Whether `signature` (hex r||s) is an SM2 signature over the header's bytes by `publicKey`. */
  async VerifyHeaderSignature(_ctx: Context, header: string, signature: string, publicKey: string): Promise<string> {
    return result(verifyHeaderSignature(headerArg(header), fromHex(signature, 64, 'signature'), publicKey));
  }

  /**
   * RFC 9162 inclusion proof verification under SM3: whether `path` (JSON array
   * of hex) proves `leafHash` at `index` in the tree of `size` with `root`. A bad
   * proof is false, not an error; malformed arguments are refused.
   */
  async VerifyInclusion(_ctx: Context, leafHash: string, index: string, size: string, path: string, root: string): Promise<string> {
    const hashes = arrayArg(jsonArg(path, 'path'), 'path', 64).map((p, i) => fromHex(p, 32, `path[${i}]`));
    return result(
      verifyInclusion(hashFor('sm3'), uintArg(index, 'index'), uintArg(size, 'size'), fromHex(leafHash, 32, 'leafHash'), hashes, fromHex(root, 32, 'root')),
    );
  }

  /**
   * A proof bundle checked in full on the peer: the offline steps, then the
   * online one against this ledger. Version 1 (spec section 8): the batch is
   * anchored with this root and header, the signature key is registered for
   * this seq. Version 2 (spec section 12): the batch is in the log at a
   * checkpoint anchored with this root, and the batch and checkpoint keys are
   * the ones registered for seq and size - 1 (ledger/bundle-v2.ts). Send it
   * with disclosure null: the disclosure step is the verifier's own, and
   * payloads must not reach peers.
   */
  async VerifyBundle(ctx: Context, bundle: string): Promise<string> {
    const input = jsonArg(bundle, 'bundle');
    if (typeof input === 'object' && input !== null && !Array.isArray(input) && input.format === BUNDLE_FORMAT_V2) {
      return result(await verifyBundleV2(ctx, input));
    }
    const offline = verifyBundle(input);
    if (!offline.valid) return result({ ...offline, anchored: false, reason: 'offline-invalid' });
    // The offline steps passed, so batch and signature are well formed.
    const b = input as unknown as { batch: BatchHeader; signature: { publicKey: string } };
    const onChain = await getBatch(ctx, b.batch.gateway, b.batch.seq);
    const base = { ...offline, anchored: false };
    if (!onChain) return result({ ...base, reason: 'not-anchored', message: `batch ${b.batch.seq} of gateway ${b.batch.gateway} is not anchored` });
    if (onChain.root !== b.batch.root || onChain.headerHash !== offline.headerHash) {
      return result({ ...base, reason: 'root-mismatch', message: `the anchored batch ${b.batch.seq} has another root or header` });
    }
    const key = await gatewayKeyAt(ctx, b.batch.gateway, b.batch.seq);
    if (key !== b.signature.publicKey) {
      return result({ ...base, reason: 'key-mismatch', message: `signature.publicKey is not the key registered for seq ${b.batch.seq}` });
    }
    const gateway = await getGateway(ctx, b.batch.gateway);
    return result({
      ...offline,
      anchored: true,
      message: `batch ${b.batch.seq} is anchored with this root; the key is the gateway's registered key`,
      txId: onChain.txId,
      anchoredAt: onChain.anchoredAt,
      gatewayActive: gateway?.active ?? false,
    });
  }
}

declareContract(AnchorContract, { title: 'Evidence anchor', description: 'SM3 batch roots and log checkpoints, SM2-signed headers and checkpoints, inclusion, consistency and bundle verification' }, {
  Anchor: submit('header', 'signature'),
  AnchorCheckpoint: submit('checkpoint', 'signature', 'proof'),
  LatestCheckpoint: evaluate('gateway'),
  GetCheckpoint: evaluate('gateway', 'size'),
  ListCheckpoints: evaluate('gateway', 'from', 'limit'),
  VerifyConsistency: evaluate('first', 'second', 'firstRoot', 'secondRoot', 'proof'),
  LatestBatch: evaluate('gateway'),
  GetBatch: evaluate('gateway', 'seq'),
  ListBatches: evaluate('gateway', 'fromSeq', 'limit'),
  KeyAt: evaluate('gateway', 'seq'),
  IsRootAnchored: evaluate('root'),
  EncodeLeaf: evaluate('leaf'),
  LeafHash: evaluate('leafBytes'),
  HeaderHash: evaluate('header'),
  VerifyHeaderSignature: evaluate('header', 'signature', 'publicKey'),
  VerifyInclusion: evaluate('leafHash', 'index', 'size', 'path', 'root'),
  VerifyBundle: evaluate('bundle'),
});

function headerArg(text: string): BatchHeader {
  return headerValue(jsonArg(text, 'header'), 'header');
}

/** A consistency proof: a JSON array of at most 128 hashes (a 64-bit log needs no more), each 32 bytes of hex. */
function proofArg(text: string): Uint8Array[] {
  return arrayArg(jsonArg(text, 'proof'), 'proof', 128).map((p, i) => fromHex(p, 32, `proof[${i}]`));
}

function pick(h: BatchHeader): Omit<BatchRecord, 'headerHash' | 'signature' | 'anchoredAt' | 'txId'> {
  return { gateway: h.gateway, seq: h.seq, alg: h.alg, size: h.size, root: h.root, prev: h.prev, closedAt: h.closedAt };
}
