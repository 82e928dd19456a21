/**
 * Version 2 proof bundles on the peer (spec section 12): anchor:VerifyBundle's
 * own log, checkpoint and cosignature steps and its online check against the
 * anchored checkpoints, and consent grants and claims that carry version 2
 * bundles as evidence, with tampered bundles refused by code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cosignCheckpoint,
  entityId,
  generateSm2KeyPair,
  toHex,
  type Leaf,
  type ProofBundleV2,
} from '@evidence/core';
import { grantConsent, setClaimPolicy, submitClaim, type BundleV2Verification, type ChaincodePort, type FabricAnchor } from '../index.js';
import { createEvidenceNetwork, refusalOf, TestBatchLog, type EvidenceNetwork, type RegisteredGateway, type SignedCheckpoint } from '../../test/support/index.js';

const T0 = 1_763_800_000_000;
const now = T0;
const subject = 'd1'.repeat(32);
let net: EvidenceNetwork;
let hospital: RegisteredGateway;
let log: TestBatchLog;
let anchored: SignedCheckpoint; // the checkpoint of size 6, anchored
let pending: SignedCheckpoint; // the checkpoint of size 8, signed but not anchored
let reader: FabricAnchor;
let insurer: ChaincodePort;
let insurerAccount: string;
let n = 0;

const leaf = (kind: number, gateway = hospital.id): Leaf => ({
  v: 1,
  kind,
  id: (++n).toString(16).padStart(32, '0'),
  gateway,
  subject,
  ts: now,
  commitment: n.toString(16).padStart(64, '0'),
});

const flipHex = (h: string): string => (h[0] === '0' ? '1' : '0') + h.slice(1);
const verify = async (bundle: unknown): Promise<BundleV2Verification> =>
  JSON.parse(Buffer.from(await reader.port.evaluate('anchor:VerifyBundle', JSON.stringify(bundle))).toString()) as BundleV2Verification;

beforeAll(async () => {
  net = await createEvidenceNetwork({ clock: () => now });
  hospital = await net.registerGateway('H330100001');
  reader = net.anchorFor(net.identity('court'));
  log = new TestBatchLog(hospital, 'sm3', () => now);
  // Batches 0..5: a consent (kind 9), then prescriptions (5), payments (8) and records (6).
  log.append([leaf(9)]);
  for (let i = 0; i < 5; i++) log.append([leaf(5), leaf(8), leaf(6)]);
  anchored = log.checkpoint(6);
  await net.gatewayAnchor(hospital).anchorSignedCheckpoint(anchored.checkpoint, anchored.signature, []);
  log.append([leaf(5), leaf(8)]);
  log.append([leaf(5), leaf(8)]);
  pending = log.checkpoint(8);
  const identity = net.identity('insurer');
  insurer = net.portFor(identity);
  insurerAccount = await net.accountOf(identity);
  await setClaimPolicy(net.governorPort, insurerAccount, [5, 8]);
});

describe('VerifyBundle, version 2', () => {
  it('accepts a bundle whose batch is in the log at an anchored checkpoint, naming the transaction', async () => {
    const bundle = log.bundle(3, 1, anchored);
    const r = await reader.verifyBundle(bundle);
    expect(r).toMatchObject({ format: 'evidence-proof/2', valid: true, anchored: true, checkpointIndex: 0, gatewayActive: true, anchoredAt: now });
    expect((r as BundleV2Verification).txId).toBe((await reader.checkpointReceipt(hospital.id, 6))!.txId);
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['disclosure', 'skipped'],
      ['leaf', 'passed'],
      ['inclusion', 'passed'],
      ['signature', 'passed'],
      ['log', 'passed'],
      ['checkpoint', 'passed'],
      ['cosignature', 'passed'],
    ]);
  });

  it('checks cosignatures: valid ones pass, a duplicate witness or a forged one fails the cosignature step', async () => {
    const witness = (code: string) => ({ id: toHex(entityId(code)), ...generateSm2KeyPair() });
    const [a, b] = [witness('RN-ZJ-01'), witness('RN-ZJ-02')];
    const bundle = log.bundle(2, 0, anchored);
    const cosigned: ProofBundleV2 = { ...bundle, log: { ...bundle.log, cosignatures: [cosignCheckpoint(anchored.checkpoint, a, now), cosignCheckpoint(anchored.checkpoint, b, now)] } };
    expect(await verify(cosigned)).toMatchObject({ valid: true, anchored: true });
    const twice = { ...cosigned, log: { ...cosigned.log, cosignatures: [cosigned.log.cosignatures[0]!, cosigned.log.cosignatures[0]!] } };
    expect(await verify(twice)).toMatchObject({ valid: false, failedStep: 'cosignature', message: expect.stringMatching(/^cosignature: duplicate witness/) });
    const forged = { ...cosigned, log: { ...cosigned.log, cosignatures: [{ ...cosigned.log.cosignatures[0]!, ts: now + 1 }] } };
    expect(await verify(forged)).toMatchObject({ valid: false, failedStep: 'cosignature', anchored: false, reason: 'offline-invalid' });
    const many = { ...cosigned, log: { ...cosigned.log, cosignatures: Array.from({ length: 65 }, () => cosigned.log.cosignatures[0]!) } };
    expect(await verify(many)).toMatchObject({ valid: false, failedStep: 'cosignature', message: expect.stringMatching(/more than 64/) });
  });

  it('names the log step for a wrong position, size, gateway, algorithm or path, and for a missing log', async () => {
    const b = log.bundle(4, 2, anchored);
    const withLog = (l: Partial<ProofBundleV2['log']>) => ({ ...b, log: { ...b.log, ...l } });
    const cases: [unknown, RegExp][] = [
      [withLog({ inclusion: { ...b.log.inclusion, index: 3 } }), /^log: position/],
      [withLog({ inclusion: { ...b.log.inclusion, size: 7 } }), /^log: position/],
      [withLog({ checkpoint: { ...b.log.checkpoint, gateway: 'cd'.repeat(32) } }), /^log: gateway/],
      [withLog({ checkpoint: { ...b.log.checkpoint, alg: 'keccak256' } }), /^log: alg/],
      [withLog({ inclusion: { ...b.log.inclusion, path: [flipHex(b.log.inclusion.path[0]!), ...b.log.inclusion.path.slice(1)] } }), /^log: inclusion/],
      [withLog({ checkpoint: { ...b.log.checkpoint, root: 'zz' } }), /^log: checkpoint/],
      [{ ...b, log: undefined }, /^log: the log object is missing/],
    ];
    for (const [bundle, message] of cases) {
      const r = await verify(bundle);
      expect(r).toMatchObject({ valid: false, failedStep: 'log', anchored: false, reason: 'offline-invalid' });
      expect(r.message).toMatch(message);
      expect(r.steps.slice(-2).map((s) => s.status)).toEqual(['skipped', 'skipped']);
    }
  });

  it("names the checkpoint step for a signature that is not the checkpoint's", async () => {
    const b = log.bundle(4, 2, anchored);
    const badSig = { ...b, log: { ...b.log, signature: { ...b.log.signature, value: flipHex(b.log.signature.value) } } };
    expect(await verify(badSig)).toMatchObject({ valid: false, failedStep: 'checkpoint' });
    const otherTs = { ...b, log: { ...b.log, checkpoint: { ...b.log.checkpoint, ts: b.log.checkpoint.ts + 1 } } };
    expect(await verify(otherTs)).toMatchObject({ valid: false, failedStep: 'checkpoint' });
    const notSm2 = { ...b, log: { ...b.log, signature: { ...b.log.signature, alg: 'ecdsa' } } };
    expect(await verify(notSm2)).toMatchObject({ valid: false, failedStep: 'checkpoint' });
  });

  it('runs the version 1 steps first and skips the log steps after a failure there', async () => {
    const b = log.bundle(4, 2, anchored);
    const r = await verify({ ...b, inclusion: { ...b.inclusion, path: b.inclusion.path.map(flipHex) } });
    expect(r).toMatchObject({ valid: false, failedStep: 'inclusion', anchored: false, reason: 'offline-invalid' });
    expect(r.steps.slice(-3).map((s) => [s.step, s.status])).toEqual([
      ['log', 'skipped'],
      ['checkpoint', 'skipped'],
      ['cosignature', 'skipped'],
    ]);
  });

  it('says not-anchored for a checkpoint signed but not anchored yet', async () => {
    expect(await verify(log.bundle(7, 0, pending))).toMatchObject({ valid: true, anchored: false, reason: 'not-anchored' });
  });

  it('says root-mismatch for a self-consistent bundle of a rewritten log at an anchored size', async () => {
    // The gateway rewrites batch 1 after anchoring and signs a checkpoint of the rewritten log at the same size.
    const fork = new TestBatchLog(hospital, 'sm3', () => now);
    for (const batch of log.batches.slice(0, 6)) fork.append(batch.leaves.map((l, i) => (i === 0 && batch.header.seq === 1 ? { ...l, commitment: 'ee'.repeat(32) } : l)));
    const forked = fork.checkpoint(6);
    expect(forked.checkpoint.root).not.toBe(anchored.checkpoint.root);
    expect(await verify(fork.bundle(1, 0, forked))).toMatchObject({ valid: true, anchored: false, reason: 'root-mismatch' });
  });

  it('says key-mismatch when the batch or the checkpoint is signed by a key the gateway never registered', async () => {
    const other = { ...generateSm2KeyPair(), id: hospital.id };
    const foreignBatches = new TestBatchLog(hospital, 'sm3', () => now);
    for (const batch of log.batches.slice(0, 6)) foreignBatches.append(batch.leaves, other);
    // Same headers, so the same log and the anchored root; only the batch signatures are by `other`.
    const byOther = foreignBatches.bundle(2, 0, anchored, other);
    expect(await verify(byOther)).toMatchObject({ valid: true, anchored: false, reason: 'key-mismatch', message: expect.stringMatching(/^signature.publicKey/) });
    const otherCheckpoint = log.checkpoint(6, { ts: anchored.checkpoint.ts, signer: other });
    expect(await verify(log.bundle(2, 0, otherCheckpoint))).toMatchObject({ valid: true, anchored: false, reason: 'key-mismatch', message: expect.stringMatching(/^log.signature.publicKey/) });
  });
});

describe('consent and claims with version 2 bundles as evidence', () => {
  let consentGranted = false;

  it('records a consent grant backed by a version 2 bundle of the consent leaf', async () => {
    const record = await grantConsent(hospital.port, { gateway: hospital.id, grantee: insurerAccount, kinds: [5, 6, 8], expiresAt: now + 86_400_000, evidence: log.bundle(0, 0, anchored) });
    expect(record).toMatchObject({ id: log.batches[0]!.leaves[0]!.id, subject, evidence: { seq: 0, index: 0 } });
    consentGranted = true;
  });

  it('verifies a claim whose items are version 2 bundles, possibly from several batches', async () => {
    expect(consentGranted).toBe(true);
    const verdict = await submitClaim(insurer, { id: 'CLM-V2-1', subject, items: [log.bundle(1, 0, anchored), log.bundle(2, 1, anchored)] });
    expect(verdict).toMatchObject({ verified: true, items: [{ gateway: hospital.id, seq: 1, kind: 5 }, { gateway: hospital.id, seq: 2, kind: 8 }] });
  });

  it('sends neither the disclosure nor the members the chaincode does not read', async () => {
    const sent: string[] = [];
    const spy: ChaincodePort = { ...insurer, submit: (name, ...args) => (sent.push(...args), insurer.submit(name, ...args)) };
    const disclosed: ProofBundleV2 = { ...log.bundle(3, 0, anchored), disclosure: { payload: { rx: 'secret-payload' }, salt: 'aa'.repeat(32) } };
    await submitClaim(spy, { id: 'CLM-V2-2', subject, items: [disclosed, log.bundle(3, 1, anchored)] });
    const text = sent.join('');
    expect(text).not.toContain('secret-payload');
    expect(text).not.toContain(disclosed.signature.value);
    expect(text).not.toContain(disclosed.log.signature.value);
  });

  it('refuses a bundle sent with its disclosure, whose payload would be written to the ledger', async () => {
    const disclosed = { ...log.bundle(4, 0, anchored), disclosure: { payload: { rx: 'x' }, salt: 'aa'.repeat(32) } };
    const raw = JSON.stringify({ id: 'CLM-V2-3', subject, items: [disclosed, log.bundle(4, 1, anchored)] });
    expect(await refusalOf(insurer.submit('claims:SubmitClaim', raw))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('refuses tampered bundles: log path, log position, rewritten header, unanchored size, foreign leaf, keccak256 batch', async () => {
    const prescription = log.bundle(5, 0, anchored);
    const payment = log.bundle(5, 1, anchored);
    const tamper = (item: unknown) => refusalOf(submitClaim(insurer, { id: 'CLM-V2-4', subject, items: [prescription, item as ProofBundleV2] }));
    const path = payment.log.inclusion.path;
    expect(await tamper({ ...payment, log: { ...payment.log, inclusion: { ...payment.log.inclusion, path: [flipHex(path[0]!), ...path.slice(1)] } } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, log: { ...payment.log, inclusion: { ...payment.log.inclusion, index: 4 } } })).toBe('CLAIM_BAD_PROOF');
    // A header rewritten to fit a leaf it never held: the leaf proof holds, the log does not.
    const lone = { ...payment.leaf, commitment: 'ee'.repeat(32) };
    const { MerkleTree, encodeLeaf } = await import('@evidence/core');
    const tree = MerkleTree.fromLeaves('sm3', [encodeLeaf(lone)]);
    const rewritten = { ...payment, leaf: lone, inclusion: { index: 0, size: 1, path: [] }, batch: { ...payment.batch, size: 1, root: toHex(tree.root) } };
    expect(await tamper(rewritten)).toBe('CLAIM_BAD_PROOF');
    // Proven against the checkpoint of size 8, which is signed but not anchored.
    expect(await tamper(log.bundle(6, 1, pending))).toBe('CLAIM_NOT_ANCHORED');
    expect(await tamper({ ...payment, leaf: { ...payment.leaf, gateway: 'cd'.repeat(32) } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, batch: { ...payment.batch, alg: 'keccak256' } })).toBe('CLAIM_BAD_PROOF');
    expect(await tamper({ ...payment, batch: { ...payment.batch, v: 2 } })).toBe('EVIDENCE_BAD_VERSION');
    // Nothing was spent by the refused claims.
    expect(await submitClaim(insurer, { id: 'CLM-V2-5', subject, items: [prescription, payment] })).toMatchObject({ verified: true });
  });

  it('refuses a consent grant whose version 2 evidence is not anchored or is not a consent leaf', async () => {
    const notConsent = log.bundle(1, 2, anchored); // a record (kind 6)
    expect(await refusalOf(grantConsent(hospital.port, { gateway: hospital.id, grantee: insurerAccount, kinds: [5], expiresAt: now + 1, evidence: notConsent }))).toBe(
      'CONSENT_BAD_EVIDENCE',
    );
    const unanchored = log.bundle(7, 0, pending);
    expect(await refusalOf(grantConsent(hospital.port, { gateway: hospital.id, grantee: insurerAccount, kinds: [5], expiresAt: now + 1, evidence: unanchored }))).toBe(
      'CONSENT_BAD_EVIDENCE',
    );
  });
});
