import { describe, expect, it } from 'vitest';
import {
  checkConsistency,
  encodeCheckpoint,
  encodeCosignature,
  fromHex,
  hashFor,
  logLeafHash,
  toHex,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyCosignature,
} from '@evidence/core';
import { v2 } from './v2-vectors.js';

const bytes = (list: string[]) => list.map((p) => fromHex(p, 32));

describe('v2 vectors: log leaves, consistency, checkpoints, cosignatures', () => {
  it.each(v2.consistency)('consistent: $alg $first -> $second', (c) => {
    expect(checkConsistency(hashFor(c.alg), c.first, c.second, fromHex(c.firstRoot, 32), fromHex(c.secondRoot, 32), bytes(c.proof))).toBe(true);
  });

  it.each(v2.badConsistency)('inconsistent: $why', (c) => {
    const ok = verifyConsistency(hashFor(c.alg), c.first, c.second, fromHex(c.firstRoot, 32), fromHex(c.secondRoot, 32), bytes(c.proof));
    expect(ok).toBe(false);
  });

  it.each(v2.logLeaves)('log leaf of batch $header.seq', (l) => {
    expect(toHex(logLeafHash(l.header))).toBe(l.logLeafHash);
  });

  it.each(v2.checkpoints)('checkpoint bytes and signature at size $checkpoint.size', (c) => {
    expect(toHex(encodeCheckpoint(c.checkpoint))).toBe(c.checkpointBytes);
    expect(verifyCheckpointSignature(c.checkpoint, fromHex(c.signature.value, 64), c.signature.publicKey)).toBe(true);
    expect(verifyCheckpointSignature({ ...c.checkpoint, size: c.checkpoint.size + 1 }, fromHex(c.signature.value, 64), c.signature.publicKey)).toBe(false);
  });

  it.each(v2.cosignatures)('cosignature by $witness', (c) => {
    const cp = v2.checkpoints.find((k) => c.cosignatureBytes.endsWith(k.checkpointBytes))!.checkpoint;
    expect(toHex(encodeCosignature(c.witness, c.ts, cp))).toBe(c.cosignatureBytes);
    expect(verifyCosignature(cp, c)).toBe(true);
    expect(verifyCosignature(cp, { ...c, ts: c.ts + 1 })).toBe(false);
  });
});
