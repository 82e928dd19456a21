/**
 * Every SM3 vector of test/vectors/ checked through the chaincode's own
 * transactions (evaluated on the in-memory peer with the real contracts):
 * leaf encoding and hashing, tree inclusion proofs (and their tampered
 * variants), header hashes and signatures, and the SM3 proof bundles, which
 * verify online once their batch is anchored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MerkleTree, fromHex, jcsString, toHex, type ProofBundle } from '@evidence/core';
import { createFabricAnchor, registerGateway, type ChaincodePort, type OnlineBundleVerification } from '@evidence/chaincode';
import { createEvidenceNetwork, type EvidenceNetwork } from '@evidence/chaincode/testing';
import { vectors } from '../support/vectors.js';
import { expectAnchorError } from '../conformance/anchor.js';

const decoder = new TextDecoder();
let net: EvidenceNetwork;
let reader: ChaincodePort;

async function evaluate<T>(name: string, ...args: string[]): Promise<T> {
  return JSON.parse(decoder.decode(await reader.evaluate(name, ...args))) as T;
}

const sm3Trees = vectors.trees.filter((t) => t.alg === 'sm3');
const sm3Header = vectors.headers.find((h) => h.header.alg === 'sm3')!;
const sm3Bundles = vectors.bundles.filter((b) => b.bundle.batch.alg === 'sm3');
const flip = (hex: string) => (hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0'));

beforeAll(async () => {
  net = await createEvidenceNetwork();
  reader = net.portFor(net.identity('verifier'));
});

describe('leaves', () => {
  it.each(vectors.leaves.map((l, i) => [i, l] as const))('leaf %i: EncodeLeaf and LeafHash give the vector bytes and SM3 hash', async (_i, l) => {
    expect(await evaluate('anchor:EncodeLeaf', JSON.stringify(l.leaf))).toBe(l.leafBytes);
    expect(await evaluate('anchor:LeafHash', l.leafBytes)).toBe(l.leafHash.sm3);
  });

  it('refuses malformed leaves with the core codes', async () => {
    const bytes = vectors.leaves[0]!.leafBytes;
    const unknownKind = bytes.slice(0, 2) + '0d' + bytes.slice(4); // kind 13 is reserved
    await expect(reader.evaluate('anchor:LeafHash', unknownKind)).rejects.toThrow(/EVIDENCE_UNKNOWN_KIND/);
    await expect(reader.evaluate('anchor:LeafHash', bytes.slice(0, -2))).rejects.toThrow(/EVIDENCE_BAD_LENGTH/);
    await expect(reader.evaluate('anchor:LeafHash', bytes.toUpperCase())).rejects.toThrow(/EVIDENCE_BAD_HEX/);
    await expect(reader.evaluate('anchor:EncodeLeaf', JSON.stringify({ ...vectors.leaves[0]!.leaf, v: 2 }))).rejects.toThrow(/EVIDENCE_BAD_VERSION/);
  });
});

describe('SM3 trees', () => {
  for (const tree of sm3Trees) {
    describe(`size ${tree.size}`, () => {
      it.each(tree.proofs.map((p) => [p.index, p] as const))('the vector proof of index %i verifies', async (_index, p) => {
        expect(await evaluate('anchor:VerifyInclusion', p.leafHash, String(p.index), String(tree.size), JSON.stringify(p.path), tree.root)).toBe(true);
      });

      it('every leaf of the tree verifies against the vector root', async () => {
        const t = MerkleTree.fromLeafHashes('sm3', tree.leafHashes.map((h) => fromHex(h, 32)));
        expect(toHex(t.root)).toBe(tree.root);
        for (let i = 0; i < tree.size; i++) {
          const path = JSON.stringify(t.proof(i).map(toHex));
          expect(await evaluate('anchor:VerifyInclusion', tree.leafHashes[i]!, String(i), String(tree.size), path, tree.root)).toBe(true);
        }
      });

      it('tampered proofs are false, not errors', async () => {
        const p = tree.proofs[tree.proofs.length - 1]!;
        const check = (leaf: string, index: number, size: number, path: string[], root: string) =>
          evaluate<boolean>('anchor:VerifyInclusion', leaf, String(index), String(size), JSON.stringify(path), root);
        expect(await check(flip(p.leafHash), p.index, tree.size, p.path, tree.root)).toBe(false);
        expect(await check(p.leafHash, p.index, tree.size, p.path, flip(tree.root))).toBe(false);
        expect(await check(p.leafHash, tree.size, tree.size, p.path, tree.root)).toBe(false); // index out of range
        expect(await check(p.leafHash, p.index, tree.size, [...p.path, p.leafHash], tree.root)).toBe(false); // too long
        if (p.path.length > 0) {
          expect(await check(p.leafHash, p.index, tree.size, [flip(p.path[0]!), ...p.path.slice(1)], tree.root)).toBe(false);
          expect(await check(p.leafHash, p.index, tree.size, p.path.slice(1), tree.root)).toBe(false); // too short
        }
        if (tree.size > 1) {
          const other = (p.index + 1) % tree.size;
          expect(await check(p.leafHash, other, tree.size, p.path, tree.root)).toBe(false);
        }
      });
    });
  }

  it('refuses malformed arguments with codes (an attacker shaped them)', async () => {
    const t = sm3Trees[0]!;
    const p = t.proofs[0]!;
    const call = (...args: string[]) => reader.evaluate('anchor:VerifyInclusion', ...args);
    await expect(call(p.leafHash, '-1', '1', '[]', t.root)).rejects.toThrow(/EVIDENCE_BAD_INTEGER/);
    await expect(call(p.leafHash, '0', '1e3', '[]', t.root)).rejects.toThrow(/EVIDENCE_BAD_INTEGER/);
    await expect(call(p.leafHash, '0', '1', '{"a":1}', t.root)).rejects.toThrow(/CHAINCODE_BAD_ARGUMENT/);
    await expect(call(p.leafHash, '0', '1', 'not json', t.root)).rejects.toThrow(/CHAINCODE_BAD_ARGUMENT/);
    await expect(call(p.leafHash, '0', '1', JSON.stringify(Array(65).fill(p.leafHash)), t.root)).rejects.toThrow(/CHAINCODE_BAD_ARGUMENT/);
    await expect(call(p.leafHash.slice(2), '0', '1', '[]', t.root)).rejects.toThrow(/EVIDENCE_BAD_LENGTH/);
    await expect(call(p.leafHash, '0', '1', '[]')).rejects.toThrow(/Expected 5 parameters/);
  });
});

describe('headers', () => {
  it.each(vectors.headers.map((h) => [`${h.header.alg} seq ${h.header.seq}`, h] as const))('%s: HeaderHash is the vector hash', async (_n, h) => {
    expect(await evaluate('anchor:HeaderHash', jcsString(h.header))).toBe(h.headerHash);
  });

  it('the SM3 header signature verifies in the chaincode; a tampered header or signature does not', async () => {
    const { header, signature, publicKey } = sm3Header;
    expect(await evaluate('anchor:VerifyHeaderSignature', jcsString(header), signature, publicKey)).toBe(true);
    expect(await evaluate('anchor:VerifyHeaderSignature', jcsString({ ...header, root: flip(header.root) }), signature, publicKey)).toBe(false);
    expect(await evaluate('anchor:VerifyHeaderSignature', jcsString({ ...header, closedAt: header.closedAt + 1 }), signature, publicKey)).toBe(false);
    expect(await evaluate('anchor:VerifyHeaderSignature', jcsString(header), flip(signature), publicKey)).toBe(false);
    expect(await evaluate('anchor:VerifyHeaderSignature', jcsString(header), signature, '04' + '00'.repeat(64))).toBe(false);
  });

  it('refuses headers with missing, extra or malformed fields', async () => {
    const { header } = sm3Header;
    const { closedAt: _omit, ...missing } = header;
    await expect(reader.evaluate('anchor:HeaderHash', JSON.stringify(missing))).rejects.toThrow(/CHAINCODE_BAD_ARGUMENT.*closedAt/);
    await expect(reader.evaluate('anchor:HeaderHash', JSON.stringify({ ...header, extra: 1 }))).rejects.toThrow(/CHAINCODE_BAD_ARGUMENT/);
    await expect(reader.evaluate('anchor:HeaderHash', JSON.stringify({ ...header, alg: 'sha256' }))).rejects.toThrow(/EVIDENCE_BAD_ALG/);
    await expect(reader.evaluate('anchor:HeaderHash', JSON.stringify({ ...header, size: 0 }))).rejects.toThrow(/MERKLE_EMPTY_TREE/);
    await expect(reader.evaluate('anchor:HeaderHash', JSON.stringify({ ...header, seq: -1 }))).rejects.toThrow(/EVIDENCE_BAD_INTEGER/);
  });
});

describe('SM3 bundles', () => {
  let anchored: EvidenceNetwork;
  let verifier: ReturnType<EvidenceNetwork['anchorFor']>;

  beforeAll(async () => {
    // The vector gateway H330100001, registered with the vector key, anchors the vector SM3 header.
    anchored = await createEvidenceNetwork();
    const identity = anchored.identity('gateway-H330100001');
    const account = await anchored.accountOf(identity);
    await registerGateway(anchored.governorPort, { id: sm3Header.header.gateway, code: 'H330100001', publicKey: sm3Header.publicKey, account });
    const receipt = await anchored.anchorFor(identity).anchor(sm3Header.header, fromHex(sm3Header.signature, 64));
    expect(receipt).toMatchObject({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor' });
    verifier = anchored.anchorFor(anchored.identity('court'));
  });

  it('anchoring the vector header stores the vector headerHash', async () => {
    expect(await verifier.latest(sm3Header.header.gateway)).toEqual({ seq: 0, headerHash: sm3Header.headerHash });
    expect(await verifier.batch(sm3Header.header.gateway, 0)).toMatchObject({ root: sm3Header.header.root, size: sm3Header.header.size });
  });

  it.each(sm3Bundles.map((b, i) => [i, b.bundle] as const))('bundle %i verifies offline and online in the chaincode', async (_i, bundle) => {
    const result = await verifier.verifyBundle(bundle);
    expect(result).toMatchObject({ valid: true, anchored: true, gatewayActive: true, headerHash: sm3Header.headerHash });
    // The disclosure step is skipped on the peer: the adapter never sends the payload.
    expect(result.steps?.find((s) => s.step === 'disclosure')?.status).toBe('skipped');
  });

  it('the adapter strips the disclosed payload before it reaches a peer', async () => {
    const sent: string[][] = [];
    const spy: ChaincodePort = { ...verifier.port, evaluate: (name, ...args) => (sent.push([name, ...args]), verifier.port.evaluate(name, ...args)) };
    const bundle = sm3Bundles[0]!.bundle;
    await createFabricAnchor({ port: spy, channel: 'evidence', chaincode: 'anchor' }).verifyBundle(bundle);
    const payload = JSON.stringify(bundle.disclosure!.payload);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.join('')).not.toContain(payload.slice(1, -1));
    expect(sent[0]!.join('')).not.toContain(bundle.disclosure!.salt);
  });

  it('names what fails in tampered bundles', async () => {
    const b = sm3Bundles[0]!.bundle;
    const check = (bundle: unknown) => verifier.verifyBundle(bundle as ProofBundle);
    const badPath = { ...b, inclusion: { ...b.inclusion, path: [flip(b.inclusion.path[0]!), ...b.inclusion.path.slice(1)] } };
    expect(await check(badPath)).toMatchObject({ valid: false, failedStep: 'inclusion', anchored: false, reason: 'offline-invalid' });
    const badSig = { ...b, signature: { ...b.signature, value: flip(b.signature.value) } };
    expect(await check(badSig)).toMatchObject({ valid: false, failedStep: 'signature', anchored: false });
    const badLeaf = { ...b, leaf: { ...b.leaf, kind: 13 } };
    expect(await check(badLeaf)).toMatchObject({ valid: false, failedStep: 'leaf' });
    expect(await check({ ...b, format: 'evidence-proof/3' })).toMatchObject({ valid: false, failedStep: 'format' });
    // A version 1 bundle relabelled version 2 has no log: it fails at the first step version 2 adds.
    expect(await check({ ...b, format: 'evidence-proof/2' })).toMatchObject({ valid: false, failedStep: 'log', anchored: false });
  });

  it('says not-anchored where the batch was never anchored', async () => {
    const result: OnlineBundleVerification = await net.anchorFor(net.identity('court')).verifyBundle(sm3Bundles[0]!.bundle);
    expect(result).toMatchObject({ valid: true, anchored: false, reason: 'not-anchored' });
  });

  it('refuses a replay of the vector header, also from a renewed certificate of the same subject', async () => {
    // A new certificate with the same subject from the same CA is the same account (ledger/identity.ts).
    const renewed = anchored.identity('gateway-H330100001');
    await expectAnchorError(anchored.anchorFor(renewed).anchor(sm3Header.header, fromHex(sm3Header.signature, 64)), 'ANCHOR_OUT_OF_ORDER');
  });
});
