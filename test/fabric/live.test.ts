/**
 * Against a real Fabric 2.5 peer, when the environment names one:
 *
 *   FABRIC_PEER_ENDPOINT, FABRIC_MSP_ID, FABRIC_CERT_PATH, FABRIC_KEY_PATH,
 *   FABRIC_TLS_CERT_PATH (or FABRIC_TLS=off), optionally FABRIC_PEER_HOST_ALIAS,
 *   FABRIC_CHANNEL (default evidence), FABRIC_CHAINCODE (default anchor)
 *
 * The identity must be the registry's governor (it calls InitLedger itself on a
 * fresh ledger). Each run registers new gateways with fresh codes, anchors
 * batches and checkpoints of a batch log, verifies proofs online, and checks
 * the refusals. Without these settings the suite is reported as skipped, with
 * the reason in its name.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, generateSm2KeyPair, headerHash, signCheckpoint, toHex, ZERO32, type Checkpoint, type HashAlg, type ProofBundleV2 } from '@evidence/core';
import {
  connectFabricAnchor,
  fabricSettingsFromEnv,
  getGateway,
  initLedger,
  registerGateway,
  whoAmI,
  type FabricAnchor,
  type RegistryConfig,
} from '@evidence/chaincode';
import { bundleFor, expectAnchorError, makeBatchLog, makeSignedBatch, type SignedBatch } from '../conformance/anchor.js';

const REQUIRED = ['FABRIC_PEER_ENDPOINT', 'FABRIC_MSP_ID', 'FABRIC_CERT_PATH', 'FABRIC_KEY_PATH'];
const missing = REQUIRED.filter((name) => !process.env[name]?.trim());
if (!process.env.FABRIC_TLS_CERT_PATH && process.env.FABRIC_TLS?.toLowerCase() !== 'off') missing.push('FABRIC_TLS_CERT_PATH (or FABRIC_TLS=off)');
const reason = missing.length === 0 ? '' : ` (skipped: ${missing.join(', ')} not set)`;

describe.skipIf(missing.length > 0)(`live Fabric peer${reason}`, () => {
  let anchor: FabricAnchor;
  let gateway: { id: string; code: string; privateKey: string; publicKey: string };
  const batches: SignedBatch[] = [];
  const zero = toHex(ZERO32);

  beforeAll(async () => {
    anchor = await connectFabricAnchor(fabricSettingsFromEnv());
    const me = await whoAmI(anchor.port);
    let config = JSON.parse(Buffer.from(await anchor.port.evaluate('registry:GetConfig')).toString()) as RegistryConfig | null;
    if (!config) config = await initLedger(anchor.port);
    if (config.governor !== me.account) {
      throw new Error(`the live test's identity (account ${me.account}) is not the registry governor (${config.governor}); run it as the governor`);
    }
    const code = `LIVE-${Date.now()}-${randomBytes(4).toString('hex')}`;
    gateway = { code, id: toHex(entityId(code)), ...generateSm2KeyPair() };
    await registerGateway(anchor.port, { id: gateway.id, code, publicKey: gateway.publicKey, account: me.account });
  }, 120_000);

  afterAll(async () => {
    await anchor?.close();
  });

  it('registered the gateway bound to this identity', async () => {
    expect(await getGateway(anchor.port, gateway.id)).toMatchObject({ id: gateway.id, code: gateway.code, active: true });
  });

  it('anchors batches and returns Fabric receipts', async () => {
    const first = makeSignedBatch('sm3', gateway, 0, zero, 4);
    const receipt = await anchor.anchor(first.header, first.signature);
    expect(receipt).toMatchObject({ chain: 'fabric', channel: anchor.channel, chaincode: anchor.chaincode });
    expect(receipt.txId).toMatch(/^[0-9a-f]{64}$/);
    batches.push(first);
    const second = makeSignedBatch('sm3', gateway, 1, toHex(headerHash(first.header)), 2);
    await anchor.anchor(second.header, second.signature);
    batches.push(second);
    expect(await anchor.latest(gateway.id)).toEqual({ seq: 1, headerHash: toHex(headerHash(second.header)) });
  }, 120_000);

  it('verifies proofs online: on the peer, and with the core online check', async () => {
    const bundle = bundleFor(batches[0]!, 3, gateway.publicKey);
    expect(await anchor.verifyBundle(bundle)).toMatchObject({ valid: true, anchored: true });
    expect(await checkAnchor(bundle, anchor)).toMatchObject({ anchored: true });
    expect(await checkAnchor({ ...bundle, batch: { ...bundle.batch, root: '00'.repeat(32) } }, anchor)).toMatchObject({ reason: 'root-mismatch' });
  }, 60_000);

  it('refuses gaps, forks, replays, the other algorithm, unknown gateways and bad signatures', async () => {
    const prev = toHex(headerHash(batches[1]!.header));
    const gap = makeSignedBatch('sm3', gateway, 3, prev);
    await expectAnchorError(anchor.anchor(gap.header, gap.signature), 'ANCHOR_OUT_OF_ORDER');
    const fork = makeSignedBatch('sm3', gateway, 2, zero);
    await expectAnchorError(anchor.anchor(fork.header, fork.signature), 'ANCHOR_FORK');
    await expectAnchorError(anchor.anchor(batches[1]!.header, batches[1]!.signature), 'ANCHOR_OUT_OF_ORDER');
    const keccak = makeSignedBatch('keccak256' as HashAlg, gateway, 2, prev);
    await expectAnchorError(anchor.anchor(keccak.header, keccak.signature), 'ANCHOR_BAD_ALG');
    const stranger = { id: toHex(entityId(`${gateway.code}-unregistered`)), ...generateSm2KeyPair() };
    const unknown = makeSignedBatch('sm3', stranger, 0, zero);
    await expectAnchorError(anchor.anchor(unknown.header, unknown.signature), 'ANCHOR_UNKNOWN_GATEWAY');
    const impostor = makeSignedBatch('sm3', { ...generateSm2KeyPair(), id: gateway.id }, 2, prev);
    await expectAnchorError(anchor.anchor(impostor.header, impostor.signature), 'ANCHOR_BAD_SIGNATURE');
  }, 120_000);

  it("refuses anchoring for a gateway bound to another identity", async () => {
    const code = `${gateway.code}-other`;
    const other = { id: toHex(entityId(code)), ...generateSm2KeyPair() };
    await registerGateway(anchor.port, { id: other.id, code, publicKey: other.publicKey, account: 'ee'.repeat(32) });
    const b = makeSignedBatch('sm3', other, 0, zero);
    await expectAnchorError(anchor.anchor(b.header, b.signature), 'ANCHOR_UNAUTHORIZED');
  }, 120_000);

  it('anchors checkpoints of a log, reads them by size and position, refuses stale and inconsistent ones, verifies a version 2 bundle', async () => {
    // A gateway of its own: a gateway anchors its batches one way only.
    const code = `${gateway.code}-log`;
    const g = { id: toHex(entityId(code)), code, ...generateSm2KeyPair() };
    await registerGateway(anchor.port, { id: g.id, code, publicKey: g.publicKey, account: (await whoAmI(anchor.port)).account });
    const signer = await connectFabricAnchor(fabricSettingsFromEnv(), { checkpointSignature: (cp) => signCheckpoint(cp, g.privateKey) });
    try {
      const log = makeBatchLog('sm3', g, 12);
      // ts is the gateway's clock: the chaincode server refuses one far from the transaction time.
      const cp = (n: number): Checkpoint => ({ gateway: g.id, alg: 'sm3', size: n, root: toHex(log.tree(n).root), ts: Date.now() });
      const first = await signer.anchorCheckpoint(cp(4), []);
      const second = await signer.anchorCheckpoint(cp(9), log.tree(9).consistencyProof(4));
      expect(second.txId).toMatch(/^[0-9a-f]{64}$/);
      expect(await signer.latestCheckpoint(g.id)).toMatchObject({ index: 1, size: 9, root: cp(9).root });
      expect((await signer.checkpoints(g.id, 0, 10)).map((c) => c.size)).toEqual([4, 9]);
      expect(await signer.checkpointReceipt(g.id, 4)).toEqual(first);
      await expectAnchorError(signer.anchorCheckpoint(cp(6), log.tree(6).consistencyProof(4)), 'ANCHOR_STALE_CHECKPOINT');
      await expectAnchorError(signer.anchorCheckpoint(cp(12), log.tree(12).consistencyProof(4)), 'ANCHOR_INCONSISTENT');

      // Batch 5 again (its leaves follow from its seq), now in a version 2 bundle at the checkpoint of size 9.
      const batch = makeSignedBatch('sm3', g, 5, log.headers[5]!.prev, 1);
      expect(batch.header).toEqual(log.headers[5]);
      const signed = cp(9);
      const anchored = (await signer.checkpointAt(g.id, 9))!;
      const checkpoint = { ...signed, ts: anchored.ts };
      const bundle: ProofBundleV2 = {
        ...bundleFor(batch, 0, g.publicKey),
        format: 'evidence-proof/2',
        log: {
          checkpoint,
          signature: { alg: 'sm2', publicKey: g.publicKey, value: toHex(signCheckpoint(checkpoint, g.privateKey)) },
          inclusion: { index: 5, size: 9, path: log.tree(9).proof(5).map(toHex) },
          cosignatures: [],
        },
        anchor: second,
      };
      expect(await signer.verifyBundle(bundle)).toMatchObject({ valid: true, anchored: true });
      expect(await checkAnchor(bundle, signer)).toMatchObject({ anchored: true });
    } finally {
      await signer.close();
    }
  }, 180_000);
});
