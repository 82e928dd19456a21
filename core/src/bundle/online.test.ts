import { describe, expect, it } from 'vitest';
import { v2 } from '../../../test/spec/v2-vectors.js';
import { headerHash, type BatchHeader } from '../batch/header.js';
import { toHex } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import { signCheckpoint, type Checkpoint } from '../log/checkpoint.js';
import type { Anchor, AnchoredBatch, AnchoredCheckpoint } from '../ports/anchor.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import { checkAnchor } from './online.js';
import type { AnyProofBundle, AnchorRef, ProofBundle, ProofBundleV2 } from './types.js';
import { verifyBundle } from './verify.js';

/**
 * An in-memory Anchor: what a chain holds, without a chain. Keys rotate by
 * seq (a key registered from seq s holds for s and later, until the next).
 * It keeps the port's rules that matter to a reader (checkpoint sizes only
 * grow); signatures and proofs are not its concern here.
 */
class MemoryAnchor implements Anchor {
  readonly chain = 'evm' as const;
  private readonly batches = new Map<string, AnchoredBatch>();
  private readonly log = new Map<string, AnchoredCheckpoint[]>();
  private readonly keys = new Map<string, { from: number; key: string }[]>();
  failWith: Error | null = null;

  registerKey(gateway: string, from: number, key: string): this {
    this.keys.set(gateway, [...(this.keys.get(gateway) ?? []), { from, key }].sort((a, b) => a.from - b.from));
    return this;
  }

  async anchor(header: BatchHeader): Promise<AnchorRef> {
    this.batches.set(`${header.gateway}/${header.seq}`, { ...header, headerHash: toHex(headerHash(header)) });
    return { chain: 'evm', chainId: 1, contract: '0x' + '00'.repeat(20), txHash: '0x' + '00'.repeat(32), blockNumber: 1 };
  }

  async latest(gateway: string): Promise<{ seq: number; headerHash: string } | null> {
    const seqs = [...this.batches.values()].filter((b) => b.gateway === gateway).sort((a, b) => b.seq - a.seq);
    return seqs[0] ? { seq: seqs[0].seq, headerHash: seqs[0].headerHash } : null;
  }

  async batch(gateway: string, seq: number): Promise<AnchoredBatch | null> {
    this.maybeFail();
    return this.batches.get(`${gateway}/${seq}`) ?? null;
  }

  async keyAt(gateway: string, seq: number): Promise<string | null> {
    this.maybeFail();
    const held = (this.keys.get(gateway) ?? []).filter((k) => k.from <= seq);
    return held.at(-1)?.key ?? null;
  }

  async anchorCheckpoint(cp: Checkpoint, _proof: readonly Uint8Array[]): Promise<AnchorRef> {
    const list = this.log.get(cp.gateway) ?? [];
    if (list.length && list.at(-1)!.size >= cp.size) throw new EvidenceError('ANCHOR_STALE_CHECKPOINT', 'size must grow');
    list.push({ gateway: cp.gateway, index: list.length, size: cp.size, root: cp.root, ts: cp.ts, anchoredAt: cp.ts + 1000 });
    this.log.set(cp.gateway, list);
    return { chain: 'evm', chainId: 1, contract: '0x' + '00'.repeat(20), txHash: '0x' + '11'.repeat(32), blockNumber: list.length };
  }

  async latestCheckpoint(gateway: string): Promise<AnchoredCheckpoint | null> {
    return this.log.get(gateway)?.at(-1) ?? null;
  }

  async checkpointAt(gateway: string, size: number): Promise<AnchoredCheckpoint | null> {
    this.maybeFail();
    return this.log.get(gateway)?.find((c) => c.size === size) ?? null;
  }

  async checkpoints(gateway: string, from: number, limit: number): Promise<AnchoredCheckpoint[]> {
    return (this.log.get(gateway) ?? []).slice(from, from + limit);
  }

  async checkpointReceipt(): Promise<AnchorRef | null> {
    return null;
  }

  /** Registered witnesses (id -> key); only an anchor given some has a witness registry at all. */
  witnesses: Map<string, string> | null = null;

  get witnessKeyAt(): Anchor['witnessKeyAt'] {
    const registry = this.witnesses;
    return registry ? async (witness: string) => registry.get(witness) ?? null : undefined;
  }

  private maybeFail(): void {
    if (this.failWith) throw this.failWith;
  }
}

const bundleV2 = v2.bundles[4]!.bundle as ProofBundleV2;
const { gateway } = bundleV2.log.checkpoint;
const gatewayKey = bundleV2.signature.publicKey;

async function chainWith(checkpoint: Checkpoint = bundleV2.log.checkpoint): Promise<MemoryAnchor> {
  const anchor = new MemoryAnchor().registerKey(gateway, 0, gatewayKey);
  await anchor.anchorCheckpoint(checkpoint, []);
  return anchor;
}

async function online(bundle: AnyProofBundle, anchor: Anchor) {
  expect(verifyBundle(bundle).valid).toBe(true); // the online check runs only after the offline steps pass
  return checkAnchor(bundle, anchor);
}

describe('checkAnchor, version 2: the chain holds the checkpoint and the keys', () => {
  it('accepts a bundle whose checkpoint is anchored with its root, signed by the registered keys', async () => {
    expect(await online(bundleV2, await chainWith())).toMatchObject({ anchored: true, message: expect.stringContaining('size 9') });
  });

  it('not anchored: the chain holds only an earlier checkpoint (or the adapter returns null)', async () => {
    const earlier = await chainWith({ ...bundleV2.log.checkpoint, size: 4, root: '22'.repeat(32) });
    expect(await online(bundleV2, earlier)).toMatchObject({ anchored: false, reason: 'not-anchored' });
    expect(await online(bundleV2, new MemoryAnchor().registerKey(gateway, 0, gatewayKey))).toMatchObject({ reason: 'not-anchored' });
  });

  it('root mismatch: the chain holds another root for this size (a forked log)', async () => {
    const forked = await chainWith({ ...bundleV2.log.checkpoint, root: '33'.repeat(32) });
    expect(await online(bundleV2, forked)).toMatchObject({ anchored: false, reason: 'root-mismatch' });
  });

  it('key mismatch on the batch: the key registered for seq is another', async () => {
    const rotated = (await chainWith()).registerKey(gateway, bundleV2.batch.seq, generateSm2KeyPair().publicKey);
    expect(await online(bundleV2, rotated)).toMatchObject({
      anchored: false,
      reason: 'key-mismatch',
      message: `signature.publicKey is not the key registered for seq ${bundleV2.batch.seq}`,
    });
  });

  it('key mismatch on the checkpoint: signed by a key the chain never registered, though self-consistent offline', async () => {
    const impostor = generateSm2KeyPair();
    const forged = structuredClone(bundleV2);
    forged.log.signature = { alg: 'sm2', publicKey: impostor.publicKey, value: toHex(signCheckpoint(forged.log.checkpoint, impostor.privateKey)) };
    expect(await online(forged, await chainWith())).toMatchObject({
      anchored: false,
      reason: 'key-mismatch',
      message: `log.signature.publicKey is not the key registered for seq ${bundleV2.log.checkpoint.size - 1}`,
    });
  });

  it('a key rotated between the batch and the checkpoint: each is checked at its own seq', async () => {
    const early = structuredClone(v2.bundles[1]!.bundle as ProofBundleV2); // batch 3, checkpoint of size 9
    const newKey = generateSm2KeyPair();
    early.log.signature = { alg: 'sm2', publicKey: newKey.publicKey, value: toHex(signCheckpoint(early.log.checkpoint, newKey.privateKey)) };
    const anchor = (await chainWith()).registerKey(gateway, 5, newKey.publicKey);
    expect(await online(early, anchor)).toMatchObject({ anchored: true });
    // The old key no longer holds at seq 8, so the vector bundle signed with it throughout is refused.
    expect(await online(bundleV2, anchor)).toMatchObject({ anchored: false, reason: 'key-mismatch' });
  });

  it('an unreachable chain is a verdict, not a throw', async () => {
    const down = await chainWith();
    down.failWith = new EvidenceError('ANCHOR_UNAVAILABLE', 'connection refused');
    expect(await online(bundleV2, down)).toEqual({ anchored: false, reason: 'unreachable', message: 'anchor check failed: connection refused' });
  });
});

describe('checkAnchor, version 1: unchanged', () => {
  const bundleV1 = v2.bundles[8]!.bundle as ProofBundle;

  it('asks for the batch by seq, not the checkpoint', async () => {
    const anchor = new MemoryAnchor().registerKey(gateway, 0, gatewayKey);
    expect(await online(bundleV1, anchor)).toMatchObject({ anchored: false, reason: 'not-anchored' });
    await anchor.anchor(bundleV1.batch);
    expect(await online(bundleV1, anchor)).toMatchObject({ anchored: true });
    expect(await checkAnchor({ ...bundleV1, batch: { ...bundleV1.batch, root: '00'.repeat(32) } }, anchor)).toMatchObject({ reason: 'root-mismatch' });
  });
});

describe('checkAnchor, version 2: cosigning witnesses against the chain registry, where the anchor has one', () => {
  const cosigned = v2.bundles.map((b) => b.bundle).find((b) => b.format === 'evidence-proof/2' && (b as ProofBundleV2).log.cosignatures.length >= 2) as ProofBundleV2;

  async function chainFor(b: ProofBundleV2): Promise<MemoryAnchor> {
    const anchor = new MemoryAnchor().registerKey(b.log.checkpoint.gateway, 0, b.signature.publicKey);
    await anchor.anchorCheckpoint(b.log.checkpoint, []);
    return anchor;
  }

  it('passes when each cosigning witness is registered with the key it used, and names those the chain does not know', async () => {
    const [first, second] = cosigned.log.cosignatures;
    const anchor = await chainFor(cosigned);
    anchor.witnesses = new Map([[first!.witness, first!.publicKey]]);
    const r = await online(cosigned, anchor);
    expect(r).toMatchObject({ anchored: true, message: expect.stringContaining('1 cosignature(s) by registered witnesses') });
    expect(r.message).toContain(second!.witness.slice(0, 12));
  });

  it('fails when a cosignature names a registered witness but carries another key (an impostor with a registered id)', async () => {
    const anchor = await chainFor(cosigned);
    anchor.witnesses = new Map([[cosigned.log.cosignatures[0]!.witness, generateSm2KeyPair().publicKey]]);
    expect(await online(cosigned, anchor)).toMatchObject({ anchored: false, reason: 'witness-key-mismatch' });
  });

  it('an anchor without a witness registry checks no witness', async () => {
    expect(await online(cosigned, await chainFor(cosigned))).toMatchObject({ anchored: true });
  });
});

