/**
 * The anchor contract beyond the shared conformance suite: what it stores and
 * emits, its lookups, malformed and hostile input, concurrent anchors, and the
 * online verification of bundles on the peer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, generateSm2KeyPair, headerHash, jcsString, signHeader, toHex, verifyBundle, verifyHeaderSignature, type Leaf, type ProofBundle } from '@evidence/core';
import { getBatchRecord, isRootAnchored, listBatches, type FabricAnchor } from '../index.js';
import { createEvidenceNetwork, refusalOf, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

let net: EvidenceNetwork;
let gw: RegisteredGateway;
let reader: FabricAnchor;

const leaf = (gateway: string, n: number, kind = 5): Leaf => ({
  v: 1,
  kind,
  id: n.toString(16).padStart(32, '0'),
  gateway,
  subject: 'ab'.repeat(32),
  ts: 1_763_800_000_000 + n,
  commitment: (n + 1).toString(16).padStart(64, '0'),
});

beforeAll(async () => {
  net = await createEvidenceNetwork();
  gw = await net.registerGateway('H330100001');
  reader = net.anchorFor(net.identity('auditor'));
});

describe('Anchor', () => {
  it('stores the batch with its signature, time and transaction, emits BatchAnchored, indexes the root', async () => {
    const before = Date.now();
    const batch = await net.anchorLeaves(gw, [leaf(gw.id, 1), leaf(gw.id, 2), leaf(gw.id, 3)]);
    const hash = toHex(headerHash(batch.header));
    const record = await getBatchRecord(reader.port, gw.id, 0);
    const { v: _v, ...fields } = batch.header; // the version is implied by the format, not stored
    expect(record).toMatchObject({ ...fields, headerHash: hash, txId: batch.txId });
    expect(verifyHeaderSignature(batch.header, fromHex(record!.signature, 64), gw.publicKey)).toBe(true);
    expect(record!.anchoredAt).toBeGreaterThanOrEqual(before);
    const event = net.fabric.events.at(-1)!;
    expect(event).toMatchObject({ eventName: 'BatchAnchored', txId: batch.txId, chaincodeName: 'anchor' });
    expect(JSON.parse(Buffer.from(event.payload).toString())).toEqual({ gateway: gw.id, seq: 0, root: batch.header.root, size: 3, headerHash: hash });
    expect(await isRootAnchored(reader.port, batch.header.root)).toEqual({ anchored: true, gateway: gw.id, seq: 0 });
    expect(await isRootAnchored(reader.port, 'ee'.repeat(32))).toEqual({ anchored: false });
  });

  it('lists a gateway\'s batches from a seq, bounded', async () => {
    await net.anchorLeaves(gw, [leaf(gw.id, 4)]);
    await net.anchorLeaves(gw, [leaf(gw.id, 5)]);
    expect((await listBatches(reader.port, gw.id, 0, 100)).map((b) => b.seq)).toEqual([0, 1, 2]);
    expect((await listBatches(reader.port, gw.id, 1, 1)).map((b) => b.seq)).toEqual([1]);
    expect(await listBatches(reader.port, 'cd'.repeat(32), 0, 10)).toEqual([]);
    expect(await refusalOf(listBatches(reader.port, gw.id, 0, 101))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(listBatches(reader.port, gw.id, 0, 0))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('refuses malformed headers and signatures with their codes, before any state is read', async () => {
    const h = (await net.anchorLeaves(gw, [leaf(gw.id, 6)])).header;
    const next = { ...h, seq: h.seq + 1, prev: toHex(headerHash(h)) };
    const sig = toHex(signHeader(next, gw.privateKey, gw.publicKey));
    const call = (header: unknown, signature: string) => gw.port.submit('anchor:Anchor', typeof header === 'string' ? header : JSON.stringify(header), signature);
    expect(await refusalOf(call('{"v":1', sig))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call([next], sig))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call({ ...next, admin: true }, sig))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call({ ...next, gateway: gw.id.toUpperCase() }, sig))).toBe('EVIDENCE_BAD_HEX');
    expect(await refusalOf(call({ ...next, root: '00' }, sig))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await refusalOf(call({ ...next, seq: 2 ** 53 }, sig))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(call({ ...next, seq: '3' }, sig))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(call({ ...next, v: 2 }, sig))).toBe('EVIDENCE_BAD_VERSION');
    expect(await refusalOf(call(next, sig.slice(2)))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await refusalOf(call(next, '0x' + sig.slice(2)))).toBe('EVIDENCE_BAD_HEX');
    // A signature of the right shape that is not a valid SM2 signature (r = 0).
    expect(await refusalOf(call(next, '00'.repeat(64)))).toBe('ANCHOR_BAD_SIGNATURE');
    // The gateway's signature over another header (a different closedAt) does not carry over.
    expect(await refusalOf(call({ ...next, closedAt: next.closedAt + 1 }, sig))).toBe('ANCHOR_BAD_SIGNATURE');
    await gw.port.submit('anchor:Anchor', jcsString(next), sig);
  });

  it('lets only one of two concurrent anchors of the same seq through', async () => {
    const head = (await reader.latest(gw.id))!;
    const make = (n: number) => {
      const header = { v: 1, gateway: gw.id, seq: head.seq + 1, alg: 'sm3' as const, size: 1, root: n.toString(16).padStart(64, '0'), prev: head.headerHash, closedAt: n };
      return net.anchorFor(gw.identity).anchor(header, signHeader(header, gw.privateKey, gw.publicKey));
    };
    const results = await Promise.allSettled([make(1), make(2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string; message: string };
    // Both endorsed against the same head; the second is invalidated at commit (MVCC). That is not a "no" to its
    // content: the adapter reports it as unavailable, and the caller reads the ledger before deciding what to retry.
    expect(loser.code).toBe('ANCHOR_UNAVAILABLE');
    expect(loser.message).toMatch(/MVCC_READ_CONFLICT/);
    expect((await reader.latest(gw.id))!.seq).toBe(head.seq + 1);
  });

  it('refuses lookups with malformed arguments', async () => {
    await expect(reader.batch(gw.id, -1)).rejects.toMatchObject({ code: 'EVIDENCE_BAD_INTEGER' }); // refused before any call
    expect(await refusalOf(reader.port.evaluate('anchor:GetBatch', gw.id, '01'))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(reader.port.evaluate('anchor:KeyAt', gw.id, '1.5'))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(reader.latest('not hex'))).toBe('EVIDENCE_BAD_HEX');
    expect(await refusalOf(isRootAnchored(reader.port, 'ee'))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await reader.keyAt('cd'.repeat(32), 0)).toBeNull();
  });
});

describe('VerifyBundle', () => {
  let bundle: ProofBundle;

  beforeAll(async () => {
    const leaves = [leaf(gw.id, 100), leaf(gw.id, 101), leaf(gw.id, 102)];
    const batch = await net.anchorLeaves(gw, leaves);
    const item = batch.item(1);
    bundle = {
      format: 'evidence-proof/1',
      leaf: item.leaf,
      disclosure: null,
      inclusion: item.inclusion,
      batch: batch.header,
      signature: { alg: 'sm2', publicKey: gw.publicKey, value: toHex(signHeader(batch.header, gw.privateKey, gw.publicKey)) },
      anchor: { chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: batch.txId },
    };
  });

  it('accepts a bundle whose batch is anchored, naming the transaction', async () => {
    const r = await reader.verifyBundle(bundle);
    expect(r).toMatchObject({ valid: true, anchored: true, txId: bundle.anchor && 'txId' in bundle.anchor ? bundle.anchor.txId : '' });
  });

  it('says key-mismatch when a self-consistent bundle is signed by a key the gateway never registered', async () => {
    const other = generateSm2KeyPair();
    const forged = { ...bundle, signature: { alg: 'sm2' as const, publicKey: other.publicKey, value: toHex(signHeader(bundle.batch, other.privateKey, other.publicKey)) } };
    expect(await reader.verifyBundle(forged)).toMatchObject({ valid: true, anchored: false, reason: 'key-mismatch' });
  });

  it('says root-mismatch when a self-consistent bundle claims another tree for an anchored seq', async () => {
    const header = { ...bundle.batch, root: toHex(headerHash(bundle.batch)) };
    const lone = { ...bundle.leaf };
    const { MerkleTree, encodeLeaf } = await import('@evidence/core');
    const tree = MerkleTree.fromLeaves('sm3', [encodeLeaf(lone)]);
    const fake = {
      ...bundle,
      leaf: lone,
      inclusion: { index: 0, size: 1, path: [] },
      batch: { ...header, size: 1, root: toHex(tree.root) },
    };
    fake.signature = { ...bundle.signature, value: toHex(signHeader(fake.batch, gw.privateKey, gw.publicKey)) };
    expect(await reader.verifyBundle(fake)).toMatchObject({ valid: true, anchored: false, reason: 'root-mismatch' });
  });

  it('refuses input that is not JSON, and reports a malformed bundle as invalid at the step the core verifier names', async () => {
    expect(await refusalOf(reader.port.evaluate('anchor:VerifyBundle', '{'))).toBe('CHAINCODE_BAD_ARGUMENT');
    const malformed = { format: 'evidence-proof/1' };
    const r = JSON.parse(Buffer.from(await reader.port.evaluate('anchor:VerifyBundle', JSON.stringify(malformed))).toString());
    const offline = verifyBundle(malformed);
    expect(offline.valid).toBe(false);
    expect(r).toMatchObject({ valid: false, failedStep: offline.valid ? '' : offline.failedStep, anchored: false, reason: 'offline-invalid' });
  });
});
