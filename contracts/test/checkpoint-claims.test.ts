/**
 * Consent and claims for evidence anchored through checkpoints (spec sections
 * 9 to 12): a hospital anchors its batch log by checkpoints, a pharmacy still
 * anchors per batch. Version 2 bundles go through locationOf to
 * grantViaCheckpoint and submitClaimViaCheckpoints, version 1 bundles to the
 * per-batch functions, mixed claims work, and every forged log argument
 * (unanchored size, header fields, log path, leaf path) is refused with its
 * own custom error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headerHash,
  logLeafHash,
  MerkleTree,
  signCheckpoint,
  signHeader,
  toHex,
  uuidv7,
  ZERO32,
  type AnyProofBundle,
  type Checkpoint,
  type ProofBundle,
  type ProofBundleV2,
} from '@evidence/core';
import type { Wallet } from 'ethers';
import {
  claimFromBundles,
  consentStatus,
  contractInterface,
  grantConsent,
  locationOf,
  parseClaimPackage,
  setInsurerPolicy,
  submitClaim,
  type ClaimItem,
  type EvidenceLocation,
} from '../src/index.js';
import { anchorBatch, buildBatch, type AnchoredBatchFixture, type LeafSpec } from './evidence-batch.js';
import { deploySystem, type GatewayIdentity, type System } from './fixture.js';

const subject = '7c'.repeat(32);
const DAY_MS = 86_400_000;

const flip = (hex: string): string => hex.replace(/^./, (c) => (c === '0' ? '1' : '0'));

/** A gateway's batches and its batch log, with the checkpoints anchored so far. */
interface Log {
  batches: AnchoredBatchFixture[];
  tree: (n: number) => MerkleTree;
  checkpoints: Map<number, { checkpoint: Checkpoint; signature: string }>;
}

function buildLog(gateway: GatewayIdentity, specs: LeafSpec[][]): Log {
  const batches: AnchoredBatchFixture[] = [];
  let prev = toHex(ZERO32);
  for (const [seq, leaves] of specs.entries()) {
    const b = buildBatch(gateway, seq, prev, leaves);
    batches.push(b);
    prev = toHex(headerHash(b.header));
  }
  const leaves = batches.map((b) => logLeafHash(b.header));
  return { batches, tree: (n) => MerkleTree.fromLeafHashes('keccak256', leaves.slice(0, n)), checkpoints: new Map() };
}

describe('consent and claims through checkpoints', () => {
  let system: System;
  let hospital: GatewayIdentity;
  let pharmacy: GatewayIdentity;
  let insurer: Wallet;
  let log: Log;
  let pharmacyBatch: AnchoredBatchFixture;
  const claimsAs = (w: Wallet) => ({ signer: w, address: system.deployment.contracts.ClaimVerifier });
  const consentsAs = (g: GatewayIdentity) => ({ signer: g.wallet, address: system.deployment.contracts.ConsentRegistry });
  const chainNowMs = async () => (await system.chain.provider.getBlock('latest'))!.timestamp * 1000;
  const claimId = () => toHex(uuidv7()).padEnd(64, '0');
  const rejects = (p: Promise<unknown>, code: string, name: string, args?: Record<string, unknown>) =>
    expect(p).rejects.toMatchObject({ code, revert: { name, ...(args ? { args } : {}) } });
  /** The selector of the function a transaction called. */
  const calledFunction = async (txHash: string, contract: 'ConsentRegistry' | 'ClaimVerifier') => {
    const tx = await system.chain.provider.getTransaction(txHash);
    return contractInterface(contract).parseTransaction({ data: tx!.data })!.name;
  };

  /** The version 2 bundle of leaf `i` of batch `seq`, under the anchored checkpoint of `size`. */
  function bundleV2(seq: number, i: number, size: number): ProofBundleV2 {
    const b = log.batches[seq]!;
    const cp = log.checkpoints.get(size)!;
    return {
      format: 'evidence-proof/2',
      leaf: b.leaves[i]!,
      disclosure: null,
      inclusion: { index: i, size: b.header.size, path: b.tree.proof(i).map(toHex) },
      batch: b.header,
      signature: { alg: 'sm2', publicKey: hospital.publicKey, value: toHex(signHeader(b.header, hospital.privateKey, hospital.publicKey)) },
      log: {
        checkpoint: cp.checkpoint,
        signature: { alg: 'sm2', publicKey: hospital.publicKey, value: cp.signature },
        inclusion: { index: seq, size, path: log.tree(size).proof(seq).map(toHex) },
        cosignatures: [],
      },
      anchor: null,
    };
  }

  function bundleV1(b: AnchoredBatchFixture, i: number, g: GatewayIdentity): ProofBundle {
    return {
      format: 'evidence-proof/1',
      leaf: b.leaves[i]!,
      disclosure: null,
      inclusion: { index: i, size: b.header.size, path: b.tree.proof(i).map(toHex) },
      batch: b.header,
      signature: { alg: 'sm2', publicKey: g.publicKey, value: toHex(signHeader(b.header, g.privateKey, g.publicKey)) },
      anchor: null,
    };
  }

  const itemOf = (bundle: AnyProofBundle): ClaimItem => ({ leaf: bundle.leaf, location: locationOf(bundle) });

  beforeAll(async () => {
    system = await deploySystem();
    hospital = await system.addGateway('H330100030', 1);
    pharmacy = await system.addGateway('H330100031', 2);
    insurer = system.chain.wallet(3);
    // Batches 0..4 of the hospital; checkpoints at 2 and 4 are anchored, batch 4 is in no anchored checkpoint.
    log = buildLog(hospital, [
      [{ kind: 'consent', subject }, { kind: 'registration', subject }, { kind: 'consent', subject }],
      [{ kind: 'prescription', subject }, { kind: 'payment', subject }],
      [{ kind: 'prescription', subject }, { kind: 'payment', subject }, { kind: 'consultation', subject }],
      [{ kind: 'prescription', subject }, { kind: 'payment', subject }, { kind: 'consent', subject }],
      [{ kind: 'prescription', subject }, { kind: 'payment', subject }],
    ]);
    const anchor = system.anchorAs(hospital.wallet);
    for (const [m, n] of [
      [0, 2],
      [2, 4],
    ] as const) {
      const checkpoint: Checkpoint = { gateway: hospital.id, alg: 'keccak256', size: n, root: toHex(log.tree(n).root), ts: 1_764_000_000_000 + n };
      await anchor.anchorCheckpoint(checkpoint, m === 0 ? [] : log.tree(n).consistencyProof(m));
      log.checkpoints.set(n, { checkpoint, signature: toHex(signCheckpoint(checkpoint, hospital.privateKey)) });
    }
    // A checkpoint of 5 signed but never anchored.
    const unanchored: Checkpoint = { gateway: hospital.id, alg: 'keccak256', size: 5, root: toHex(log.tree(5).root), ts: 1_764_000_000_005 };
    log.checkpoints.set(5, { checkpoint: unanchored, signature: toHex(signCheckpoint(unanchored, hospital.privateKey)) });

    pharmacyBatch = await anchorBatch(system, pharmacy, [
      { kind: 'consent', subject },
      { kind: 'prescription', subject },
      { kind: 'payment', subject },
    ]);
    await setInsurerPolicy(claimsAs(system.admin), { insurer: insurer.address, requiredKinds: ['prescription', 'payment'] });
  });
  afterAll(() => system.close());

  describe('a grant whose consent leaf is anchored through a checkpoint', () => {
    const grant = async (location: EvidenceLocation, consent = log.batches[0]!.leaves[0]!, as = hospital) =>
      grantConsent(consentsAs(as), {
        consent,
        location,
        grantee: insurer.address,
        kinds: ['prescription', 'payment', 'consultation'],
        expiresAt: (await chainNowMs()) + DAY_MS,
      });
    const at = (patch: Partial<NonNullable<EvidenceLocation['log']>>, base = locationOf(bundleV2(0, 0, 4))): EvidenceLocation => ({
      ...base,
      log: { ...base.log!, ...patch },
    });

    it('locationOf gives a version 2 bundle the log arguments, a version 1 bundle none', () => {
      const v2 = bundleV2(0, 0, 4);
      expect(locationOf(v2)).toEqual({
        seq: 0,
        index: 0,
        size: 3,
        path: v2.inclusion.path,
        log: { batchRoot: v2.batch.root, prev: v2.batch.prev, closedAt: v2.batch.closedAt, size: 4, path: v2.log.inclusion.path },
      });
      expect(locationOf(bundleV1(pharmacyBatch, 0, pharmacy)).log).toBeUndefined();
    });

    it('refuses a log size no checkpoint has, even with the honest path of that size', async () => {
      await rejects(grant(locationOf(bundleV2(0, 0, 5))), 'CONSENT_REJECTED', 'ConsentRegistry__CheckpointNotAnchored', { logSize: 5n });
      const three = { ...locationOf(bundleV2(0, 0, 4)), log: { ...locationOf(bundleV2(0, 0, 4)).log!, size: 3, path: log.tree(3).proof(0).map(toHex) } };
      await rejects(grant(three), 'CONSENT_REJECTED', 'ConsentRegistry__CheckpointNotAnchored', { logSize: 3n });
    });

    it('refuses a batch header or log path that is not in the anchored log', async () => {
      const base = locationOf(bundleV2(0, 0, 4));
      const forged: EvidenceLocation[] = [
        at({ prev: 'ee'.repeat(32) }),
        at({ closedAt: base.log!.closedAt + 1 }),
        at({ batchRoot: log.batches[1]!.header.root }),
        at({ path: base.log!.path.map((p, i) => (i === 0 ? flip(p) : p)) }),
        at({ path: base.log!.path.slice(1) }),
        { ...base, size: base.size + 1 }, // the header's size is bound by its log leaf
        { ...base, seq: 1 }, // another position in the log
      ];
      for (const location of forged) {
        await rejects(grant(location), 'CONSENT_REJECTED', 'ConsentRegistry__BatchNotInLog');
      }
    });

    it('refuses a leaf that is not in the batch the log holds', async () => {
      const base = locationOf(bundleV2(0, 0, 4));
      const forgedLeaf = { ...log.batches[0]!.leaves[0]!, commitment: 'ff'.repeat(32) };
      await rejects(grant(base, forgedLeaf), 'CONSENT_REJECTED', 'ConsentRegistry__InvalidProof');
      await rejects(grant({ ...base, index: 2 }), 'CONSENT_REJECTED', 'ConsentRegistry__InvalidProof');
      // The same leaf sent the per-batch way: the hospital anchors no batch on its own.
      const { log: _dropped, ...perBatch } = base;
      void _dropped;
      await rejects(grant(perBatch), 'CONSENT_REJECTED', 'ConsentRegistry__BatchNotAnchored');
      // Only the leaf's own gateway records it.
      await rejects(grant(base, undefined, pharmacy), 'CONSENT_REJECTED', 'ConsentRegistry__NotGatewayAccount');
    });

    it('records the grant through grantViaCheckpoint, under either anchored checkpoint', async () => {
      const tx = await grant(locationOf(bundleV2(0, 0, 2)));
      expect(await calledFunction(tx.txHash, 'ConsentRegistry')).toBe('grantViaCheckpoint');
      const reader = { runner: system.chain.provider, address: system.deployment.contracts.ConsentRegistry };
      expect(await consentStatus(reader, { gateway: hospital.id, subject, grantee: insurer.address })).toMatchObject({
        status: 'active',
        kinds: [5, 7, 8],
        evidenceId: log.batches[0]!.leaves[0]!.id,
      });
      // A later grant from another consent leaf of the log, proven under the larger checkpoint.
      await grant(locationOf(bundleV2(3, 2, 4)), log.batches[3]!.leaves[2]!);
      expect((await consentStatus(reader, { gateway: hospital.id, subject, grantee: insurer.address })).evidenceId).toBe(log.batches[3]!.leaves[2]!.id);
      // A used consent leaf stays used whichever checkpoint proves it.
      await rejects(grant(locationOf(bundleV2(0, 0, 4))), 'CONSENT_REJECTED', 'ConsentRegistry__EvidenceReused');
    });

    it('still records a per-batch grant through grant', async () => {
      const tx = await grant(locationOf(bundleV1(pharmacyBatch, 0, pharmacy)), pharmacyBatch.leaves[0]!, pharmacy);
      expect(await calledFunction(tx.txHash, 'ConsentRegistry')).toBe('grant');
    });
  });

  describe('claims mixing checkpointed and per-batch evidence', () => {
    it('verifies a claim of version 2 and version 1 bundles through submitClaimViaCheckpoints', async () => {
      const bundles = [bundleV2(1, 0, 2), bundleV2(2, 1, 4), bundleV1(pharmacyBatch, 1, pharmacy)];
      const params = claimFromBundles(claimId(), subject, bundles);
      expect(params.items.map((i) => i.location.log?.size)).toEqual([2, 4, undefined]);
      const verdict = await submitClaim(claimsAs(insurer), params);
      expect(verdict).toMatchObject({ verified: true, kinds: [5, 8], items: 3 });
      expect(await calledFunction(verdict.txHash, 'ClaimVerifier')).toBe('submitClaimViaCheckpoints');
      const verifier = system.contract('ClaimVerifier');
      expect(await verifier.getFunction('claimOfEvidence')(`0x${hospital.id}`, `0x${log.batches[2]!.leaves[1]!.id}`)).toBe(`0x${params.claimId}`);
    });

    it('sends a claim of version 1 bundles only to submitClaim', async () => {
      const next = await anchorBatch(system, pharmacy, [
        { kind: 'prescription', subject },
        { kind: 'payment', subject },
      ]);
      const verdict = await submitClaim(claimsAs(insurer), claimFromBundles(claimId(), subject, [bundleV1(next, 0, pharmacy), bundleV1(next, 1, pharmacy)]));
      expect(await calledFunction(verdict.txHash, 'ClaimVerifier')).toBe('submitClaim');
    });

    it('names the item whose checkpoint, log or leaf does not hold', async () => {
      const good = itemOf(bundleV2(3, 1, 4)); // payment
      const prescription = itemOf(bundleV2(3, 0, 4));
      const claim = (second: ClaimItem) => submitClaim(claimsAs(insurer), { claimId: claimId(), subject, items: [prescription, second] });
      await rejects(claim(itemOf(bundleV2(4, 1, 5))), 'CLAIM_REJECTED', 'ClaimVerifier__CheckpointNotAnchored', { item: 1n, logSize: 5n });
      const badLog = { ...good, location: { ...good.location, log: { ...good.location.log!, prev: flip(good.location.log!.prev) } } };
      await rejects(claim(badLog), 'CLAIM_REJECTED', 'ClaimVerifier__BatchNotInLog', { item: 1n, seq: 3n, logSize: 4n });
      const badPath = { ...good, location: { ...good.location, log: { ...good.location.log!, path: good.location.log!.path.map(flip) } } };
      await rejects(claim(badPath), 'CLAIM_REJECTED', 'ClaimVerifier__BatchNotInLog');
      const otherRoot = { ...good, location: { ...good.location, log: { ...good.location.log!, batchRoot: log.batches[2]!.header.root } } };
      await rejects(claim(otherRoot), 'CLAIM_REJECTED', 'ClaimVerifier__BatchNotInLog');
      const badLeaf = { ...good, leaf: { ...good.leaf, ts: good.leaf.ts + 1 } };
      await rejects(claim(badLeaf), 'CLAIM_REJECTED', 'ClaimVerifier__InvalidProof', { item: 1n });
      // Log arguments naming a per-batch gateway's batch: the pharmacy has no checkpoint.
      const pharmacyItem = itemOf(bundleV1(pharmacyBatch, 2, pharmacy));
      const asLogged = { ...pharmacyItem, location: { ...pharmacyItem.location, log: good.location.log! } };
      await rejects(claim(asLogged), 'CLAIM_REJECTED', 'ClaimVerifier__CheckpointNotAnchored', { item: 1n });
      // Evidence already claimed, whichever function claimed it.
      await rejects(claim(itemOf(bundleV2(2, 1, 4))), 'CLAIM_REJECTED', 'ClaimVerifier__EvidenceAlreadyClaimed');
      await rejects(claim(itemOf(bundleV1(pharmacyBatch, 1, pharmacy))), 'CLAIM_REJECTED', 'ClaimVerifier__EvidenceAlreadyClaimed');
      // The honest pair still goes through.
      expect(await claim(good)).toMatchObject({ verified: true, kinds: [5, 8] });
    });

    it("checks a version 2 claim package on the insurer's side and submits it", async () => {
      const bundles = [bundleV2(4, 0, 5), bundleV2(4, 1, 5)];
      const pkg = {
        format: 'evidence-claim/1',
        gateway: { code: hospital.code, id: hospital.id },
        insurer: insurer.address.toLowerCase(),
        subject,
        consent: { status: 'active', kinds: [5, 7, 8], expiresAt: 0, evidenceId: log.batches[3]!.leaves[2]!.id },
        items: bundles.map((b) => ({ evidenceId: b.leaf.id, kind: b.leaf.kind === 5 ? 'prescription' : 'payment', bundle: b })),
        claim: claimFromBundles(claimId(), subject, bundles),
        issuedAt: Date.now(),
      };
      const parsed = parseClaimPackage(JSON.parse(JSON.stringify(pkg)));
      expect(parsed.claim.items.map((i) => i.location.log?.size)).toEqual([5, 5]);
      // A package whose claim names another log size than its bundles is refused before any chain call.
      const moved = JSON.parse(JSON.stringify(pkg)) as typeof pkg;
      moved.claim.items[0]!.location.log!.size = 4;
      expect(() => parseClaimPackage(moved)).toThrow(/claim.items\[0\] is not the leaf and location/);
      const dropped = JSON.parse(JSON.stringify(pkg)) as typeof pkg;
      delete dropped.claim.items[1]!.location.log;
      expect(() => parseClaimPackage(dropped)).toThrow(/claim.items\[1\] is not the leaf and location/);
      // Checkpoint 5 is signed but not anchored: the chain refuses until it is.
      await rejects(submitClaim(claimsAs(insurer), parsed.claim), 'CLAIM_REJECTED', 'ClaimVerifier__CheckpointNotAnchored', { item: 0n, logSize: 5n });
      await system.anchorAs(hospital.wallet).anchorCheckpoint(log.checkpoints.get(5)!.checkpoint, log.tree(5).consistencyProof(4));
      expect(await submitClaim(claimsAs(insurer), parsed.claim)).toMatchObject({ verified: true, kinds: [5, 8], items: 2 });
    });
  });
});
