import {
  decodeLeaf,
  encodeHeader,
  encodeLeaf,
  fromHex,
  hashFor,
  headerHash,
  leafHash,
  parseBundle,
  toHex,
  verifyBundle,
  verifyHeaderSignature,
  verifyInclusion,
  ZERO32,
  type BatchHeader,
  type Leaf,
} from '@evidence/core';
import { Context, Info } from '../fabric.js';
import { arrayArg, hexArg, jsonArg, objectArg, uintArg } from '../ledger/args.js';
import { batchKey, getBatch, getHead, headKey, type BatchRecord, type HeadRecord } from '../ledger/batches.js';
import { refuse } from '../ledger/errors.js';
import { gatewayKeyAt, getGateway, requireGatewayCaller } from '../ledger/registry.js';
import { emit, key, KEY, now, result, scan, sortable, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { Evaluate, Submit } from './transaction.js';

const ZERO = toHex(ZERO32);

/**
 * Anchors signed batch headers (spec section 6) with SM3 trees, and answers the
 * online half of proof verification. Unlike an EVM contract this chaincode
 * verifies the gateway's SM2 signature and SM3 proofs itself.
 */
@Info({ title: 'Evidence anchor', description: 'SM3 batch roots, SM2-signed headers, inclusion and bundle verification' })
export class AnchorContract extends EvidenceContract {
  constructor() {
    super('anchor');
  }

  /**
   * Anchors `header` (BatchHeader JSON) signed by `signature` (hex r||s over headerBytes).
   * Accepted only from the identity bound to header.gateway, only with alg sm3,
   * seq = last + 1, prev = last headerHash, and a signature by the gateway's key
   * for that seq. Checks run cheapest first, so a stranger cannot make the peer
   * verify signatures.
   */
  @Submit('header', 'signature')
  async Anchor(ctx: Context, header: string, signature: string): Promise<string> {
    const h = headerArg(header);
    const sig = fromHex(signature, 64, 'signature');
    await requireGatewayCaller(ctx, h.gateway, 'ANCHOR_UNAUTHORIZED');
    if (h.alg !== 'sm3') refuse('ANCHOR_BAD_ALG', `batches anchored on Fabric use sm3 trees, got ${h.alg}`);
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

  /** {seq, headerHash} of the gateway's latest batch, or null before its first. */
  @Evaluate('gateway')
  async LatestBatch(ctx: Context, gateway: string): Promise<string> {
    return result(await getHead(ctx, hexArg(gateway, 32, 'gateway')));
  }

  /** The anchored batch (gateway, seq) with its signature and transaction, or null. */
  @Evaluate('gateway', 'seq')
  async GetBatch(ctx: Context, gateway: string, seq: string): Promise<string> {
    return result(await getBatch(ctx, hexArg(gateway, 32, 'gateway'), uintArg(seq, 'seq')));
  }

  /** Up to `limit` (1..100) batches of a gateway from `fromSeq` on, in seq order. */
  @Evaluate('gateway', 'fromSeq', 'limit')
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
  @Evaluate('gateway', 'seq')
  async KeyAt(ctx: Context, gateway: string, seq: string): Promise<string> {
    return result(await gatewayKeyAt(ctx, hexArg(gateway, 32, 'gateway'), uintArg(seq, 'seq')));
  }

  /** Whether `root` is the root of an anchored batch, and of which. */
  @Evaluate('root')
  async IsRootAnchored(ctx: Context, root: string): Promise<string> {
    for await (const entry of scan<{ gateway: string; seq: number }>(ctx, KEY.root, [hexArg(root, 32, 'root')])) {
      return result({ anchored: true, gateway: entry.value.gateway, seq: entry.value.seq });
    }
    return result({ anchored: false });
  }

  /** leafBytes (spec section 4) of a leaf given as JSON. */
  @Evaluate('leaf')
  async EncodeLeaf(_ctx: Context, leaf: string): Promise<string> {
    return result(toHex(encodeLeaf(jsonArg(leaf, 'leaf') as unknown as Leaf)));
  }

  /** SM3(0x00 || leafBytes) for a 122-byte leaf given as hex; malformed leaves are refused. */
  @Evaluate('leafBytes')
  async LeafHash(_ctx: Context, leafBytes: string): Promise<string> {
    const bytes = fromHex(leafBytes, 122, 'leafBytes');
    decodeLeaf(bytes);
    return result(toHex(leafHash('sm3', bytes)));
  }

  /** headerHash = H(headerBytes) under the header's own algorithm. */
  @Evaluate('header')
  async HeaderHash(_ctx: Context, header: string): Promise<string> {
    return result(toHex(headerHash(headerArg(header))));
  }

  /** Whether `signature` (hex r||s) is an SM2 signature over the header's bytes by `publicKey`. */
  @Evaluate('header', 'signature', 'publicKey')
  async VerifyHeaderSignature(_ctx: Context, header: string, signature: string, publicKey: string): Promise<string> {
    return result(verifyHeaderSignature(headerArg(header), fromHex(signature, 64, 'signature'), publicKey));
  }

  /**
   * RFC 9162 inclusion proof verification under SM3: whether `path` (JSON array
   * of hex) proves `leafHash` at `index` in the tree of `size` with `root`. A bad
   * proof is false, not an error; malformed arguments are refused.
   */
  @Evaluate('leafHash', 'index', 'size', 'path', 'root')
  async VerifyInclusion(_ctx: Context, leafHash: string, index: string, size: string, path: string, root: string): Promise<string> {
    const hashes = arrayArg(jsonArg(path, 'path'), 'path', 64).map((p, i) => fromHex(p, 32, `path[${i}]`));
    return result(
      verifyInclusion(hashFor('sm3'), uintArg(index, 'index'), uintArg(size, 'size'), fromHex(leafHash, 32, 'leafHash'), hashes, fromHex(root, 32, 'root')),
    );
  }

  /**
   * A proof bundle (spec section 8) checked in full on the peer: the offline
   * steps, then the online one against this ledger (batch anchored with this
   * root, signature key registered for this seq). Send it with disclosure null:
   * the disclosure step is the verifier's own, and payloads must not reach peers.
   */
  @Evaluate('bundle')
  async VerifyBundle(ctx: Context, bundle: string): Promise<string> {
    const input = jsonArg(bundle, 'bundle');
    const offline = verifyBundle(input);
    if (!offline.valid) return result({ ...offline, anchored: false, reason: 'offline-invalid' });
    const b = parseBundle(input);
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

const HEADER_KEYS = ['v', 'gateway', 'seq', 'alg', 'size', 'root', 'prev', 'closedAt'] as const;

/** A BatchHeader from JSON: exactly its eight fields, each checked by encodeHeader. */
function headerArg(text: string): BatchHeader {
  const header = objectArg(jsonArg(text, 'header'), 'header', HEADER_KEYS) as unknown as BatchHeader;
  encodeHeader(header);
  return header;
}

function pick(h: BatchHeader): Omit<BatchRecord, 'headerHash' | 'signature' | 'anchoredAt' | 'txId'> {
  return { gateway: h.gateway, seq: h.seq, alg: h.alg, size: h.size, root: h.root, prev: h.prev, closedAt: h.closedAt };
}
