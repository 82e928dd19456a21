import { describe, expect, it } from 'vitest';
import {
  computeCommitment,
  decodeHeader,
  decodeLeaf,
  encodeHeader,
  encodeHop,
  encodeLeaf,
  entityId,
  fromHex,
  headerHash,
  hopHash,
  jcsString,
  keccak256,
  keyLookupFrom,
  leafHash,
  MerkleTree,
  requestDigest,
  responseDigest,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
  sm3,
  toHex,
  utf8,
  verifyBundle,
  verifyHeaderSignature,
  verifyInclusion,
  verifyTrace,
  writeLeaf,
  hashFor,
} from '@evidence/core';
import { vectors } from '../support/vectors.js';

describe('spec section 1: hashes and SM2', () => {
  it.each(vectors.sm3)('SM3($input) is $digest', ({ input, digest }) => {
    expect(toHex(sm3(fromHex(input)))).toBe(digest);
  });

  it('Keccak-256 is Ethereum Keccak, not NIST SHA3', () => {
    expect(toHex(keccak256(new Uint8Array(0)))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  });

  it('derives the vector public key and verifies the vector signature', () => {
    const { privateKey, publicKey, message, signature, userId } = vectors.sm2;
    expect(userId).toBe('1234567812345678');
    expect(sm2PublicKeyFromPrivate(privateKey)).toBe(publicKey);
    expect(sm2Verify(fromHex(message), fromHex(signature), publicKey)).toBe(true);
  });

  it('signs so that the vector key verifies, and a flipped message fails', () => {
    const { privateKey, publicKey, message } = vectors.sm2;
    const sig = sm2Sign(fromHex(message), privateKey);
    expect(sig).toHaveLength(64);
    expect(sm2Verify(fromHex(message), sig, publicKey)).toBe(true);
    const altered = fromHex(message);
    altered[0]! ^= 1;
    expect(sm2Verify(altered, sig, publicKey)).toBe(false);
  });
});

describe('spec section 2: identifiers', () => {
  it.each(vectors.identifiers)('id of $code', ({ code, id }) => {
    expect(toHex(entityId(code))).toBe(id);
  });
});

describe('spec section 4: commitments and leaves', () => {
  it.each(vectors.commitments.map((c, i) => ({ ...c, i })))('commitment $i', ({ salt, payload, jcs, commitment }) => {
    expect(jcsString(payload)).toBe(jcs);
    expect(toHex(computeCommitment(payload, fromHex(salt)))).toBe(commitment);
  });

  it.each(vectors.leaves.map((l, i) => ({ ...l, i })))('leaf $i bytes and hashes', (v) => {
    const bytes = encodeLeaf(v.leaf);
    expect(bytes).toHaveLength(122);
    expect(toHex(bytes)).toBe(v.leafBytes);
    expect(decodeLeaf(bytes)).toEqual(v.leaf);
    // The gateway's byte-field writer produces the same bytes, in place inside a larger buffer.
    const into = new Uint8Array(130);
    const fields = { kind: v.leaf.kind, id: fromHex(v.leaf.id), gateway: fromHex(v.leaf.gateway), subject: fromHex(v.leaf.subject), ts: v.leaf.ts, commitment: fromHex(v.leaf.commitment) };
    expect(toHex(writeLeaf(into.subarray(4, 126), fields))).toBe(v.leafBytes);
    expect(() => writeLeaf(new Uint8Array(122), { ...fields, subject: fromHex(v.leaf.subject).subarray(1) })).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_LENGTH' }));
    expect(() => writeLeaf(new Uint8Array(122), { ...fields, kind: 99 })).toThrow(expect.objectContaining({ code: 'EVIDENCE_UNKNOWN_KIND' }));
    expect(toHex(leafHash('keccak256', v.leaf))).toBe(v.leafHash.keccak256);
    expect(toHex(leafHash('sm3', v.leaf))).toBe(v.leafHash.sm3);
  });
});

describe('spec section 5: batch trees', () => {
  it.each(vectors.trees.map((t) => ({ ...t, name: `${t.alg} size ${t.size}` })))('$name', (t) => {
    const tree = MerkleTree.fromLeafHashes(t.alg, t.leafHashes.map((h) => fromHex(h)));
    expect(toHex(tree.root)).toBe(t.root);
    for (const p of t.proofs) {
      expect(toHex(tree.leafHash(p.index))).toBe(p.leafHash);
      expect(tree.proof(p.index).map(toHex)).toEqual(p.path);
      const path = p.path.map((x) => fromHex(x));
      expect(verifyInclusion(hashFor(t.alg), p.index, t.size, fromHex(p.leafHash), path, fromHex(t.root))).toBe(true);
    }
  });
});

describe('spec section 6: batch headers', () => {
  it.each(vectors.headers.map((h, i) => ({ ...h, i })))('header $i', (v) => {
    const bytes = encodeHeader(v.header);
    expect(toHex(bytes)).toBe(v.headerBytes);
    expect(decodeHeader(bytes)).toEqual(v.header);
    expect(toHex(headerHash(v.header))).toBe(v.headerHash);
    expect(verifyHeaderSignature(v.header, fromHex(v.signature), v.publicKey)).toBe(true);
  });

  it('chains seq 1 to seq 0 through prev = headerHash', () => {
    const [h0, h1] = vectors.headers;
    expect(h1!.header.seq).toBe(h0!.header.seq + 1);
    expect(h1!.header.prev).toBe(h0!.headerHash);
  });
});

describe('spec section 7: hop trace', () => {
  const { trace } = vectors;
  const keys = keyLookupFrom(trace.nodes);

  it('reproduces every hop byte string and hop hash', () => {
    for (const hop of trace.hops) {
      expect(toHex(encodeHop(hop))).toBe(hop.hopBytes);
      expect(toHex(hopHash(hop))).toBe(hop.hopHash);
    }
  });

  it('recomputes request and response digests', () => {
    const { method, path, body } = trace.request;
    const req = toHex(requestDigest(method, path, body));
    const res = toHex(responseDigest(trace.response.status, path, trace.response.body));
    for (const hop of trace.hops) expect(hop.digest).toBe(hop.type === 4 ? res : req);
  });

  it('accepts the trace', () => {
    const result = verifyTrace(trace.hops, keys, { request: trace.request, response: trace.response });
    expect(result).toEqual({ valid: true, hopHashes: trace.hops.map((h) => h.hopHash) });
  });

  it.each(vectors.badTraces)('rejects the $why trace with "$result"', ({ hops, result }) => {
    const r = verifyTrace(hops, keys);
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.message.startsWith(result)).toBe(true);
  });
});

describe('spec section 8: proof bundles', () => {
  it.each(vectors.bundles.filter((b) => b.valid).map((b, i) => ({ ...b, i })))('valid bundle $i verifies', ({ bundle }) => {
    const r = verifyBundle(bundle);
    expect(r.valid).toBe(true);
    expect(r.steps.map((s) => s.status)).toEqual([bundle.disclosure ? 'passed' : 'skipped', 'passed', 'passed', 'passed']);
  });

  it.each(vectors.bundles.filter((b) => !b.valid).map((b, i) => ({ ...b, i })))(
    'tampered bundle $i fails at $failsAt',
    ({ bundle, failsAt }) => {
      const r = verifyBundle(bundle);
      expect(r.valid).toBe(false);
      if (!r.valid) expect(r.failedStep).toBe(failsAt);
    },
  );

  it('round-trips every bundle through JSON text', () => {
    for (const { bundle, valid } of vectors.bundles) {
      expect(verifyBundle(JSON.stringify(bundle)).valid).toBe(valid);
    }
  });

  it('utf8 encodes Chinese payloads as UTF-8', () => {
    expect(toHex(utf8('张'))).toBe('e5bca0');
  });
});
