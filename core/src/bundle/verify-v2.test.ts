import { describe, expect, it } from 'vitest';
import { v2 } from '../../../test/spec/v2-vectors.js';
import { toHex } from '../encoding/bytes.js';
import { signCheckpoint } from '../log/checkpoint.js';
import { cosignCheckpoint } from '../log/cosignature.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import type { ProofBundleV2 } from './types.js';
import { verifyBundle, type VerifyOptions } from './verify.js';

/** Bundle 4 of the v2 vectors: batch 8 in a log of 9, checkpoint cosigned by three witnesses. */
const base = v2.bundles[4]!.bundle as ProofBundleV2;
const clone = (): ProofBundleV2 => structuredClone(base);
const [witnessA, witnessB, witnessC] = v2.witnesses;

function outcome(mutate: (b: ProofBundleV2) => void, options?: VerifyOptions): string {
  const b = clone();
  mutate(b);
  const r = verifyBundle(b, options);
  return r.valid ? 'valid' : r.message;
}

/** The failing step and its detail as the vectors write them ("log: position"), or 'valid'. */
function failsAt(mutate: (b: ProofBundleV2) => void, options?: VerifyOptions): string {
  const b = clone();
  mutate(b);
  const r = verifyBundle(b, options);
  if (r.valid) return 'valid';
  return r.detail ? `${r.failedStep}: ${r.detail}` : r.failedStep;
}

describe('verifyBundle, version 2: each tampered member fails at the step section 13 names', () => {
  it.each<[string, (b: ProofBundleV2) => void, string]>([
    ['untouched', () => {}, 'valid'],
    ['log missing', (b) => delete (b as Partial<ProofBundleV2>).log, 'log'],
    ['log not an object', (b) => (b.log = [] as never), 'log'],
    ['checkpoint missing', (b) => delete (b.log as Partial<ProofBundleV2['log']>).checkpoint, 'log'],
    ['checkpoint.gateway of another gateway', (b) => (b.log.checkpoint.gateway = '11'.repeat(32)), 'log: gateway'],
    ['checkpoint.alg of the other algorithm', (b) => (b.log.checkpoint.alg = 'sm3'), 'log: alg'],
    ['checkpoint.alg unknown', (b) => (b.log.checkpoint.alg = 'sha256' as never), 'log'],
    ['checkpoint.size beyond 2^53 - 1', (b) => (b.log.checkpoint.size = 2 ** 53), 'log'],
    ['checkpoint.size 0', (b) => (b.log.checkpoint.size = 0), 'log'],
    ['checkpoint.root uppercase', (b) => (b.log.checkpoint.root = b.log.checkpoint.root.toUpperCase()), 'log'],
    ['checkpoint.root altered', (b) => (b.log.checkpoint.root = '00'.repeat(32)), 'log: root'],
    ['checkpoint.ts fractional', (b) => (b.log.checkpoint.ts = 1.5), 'log'],
    ['log.inclusion missing', (b) => delete (b.log as Partial<ProofBundleV2['log']>).inclusion, 'log'],
    ['log.inclusion.index is not batch.seq', (b) => (b.log.inclusion.index = 7), 'log: position'],
    ['log.inclusion.size != checkpoint.size', (b) => (b.log.inclusion.size += 1), 'log: position'],
    [
      'batch seq 8 outside a log of 8 batches',
      (b) => {
        b.log.checkpoint.size = 8;
        b.log.inclusion.size = 8;
      },
      'log: position',
    ],
    ['log.inclusion.path dropped', (b) => (b.log.inclusion.path = []), 'log'],
    ['log.inclusion.path altered', (b) => (b.log.inclusion.path[0] = '00'.repeat(32)), 'log: root'],
    ['checkpoint.ts altered', (b) => (b.log.checkpoint.ts += 1), 'checkpoint'],
    ['log.signature missing', (b) => delete (b.log as Partial<ProofBundleV2['log']>).signature, 'checkpoint'],
    ['log.signature.alg not sm2', (b) => (b.log.signature.alg = 'ecdsa' as never), 'checkpoint'],
    ['log.signature.publicKey off the curve', (b) => (b.log.signature.publicKey = '04' + '00'.repeat(64)), 'checkpoint'],
    ['log.signature.value uppercase', (b) => (b.log.signature.value = b.log.signature.value.toUpperCase()), 'checkpoint'],
    ['log.signature.value flipped', (b) => (b.log.signature.value = 'ff' + b.log.signature.value.slice(2)), 'checkpoint'],
    ['cosignatures missing', (b) => delete (b.log as Partial<ProofBundleV2['log']>).cosignatures, 'cosignature'],
    ['cosignatures not an array', (b) => (b.log.cosignatures = {} as never), 'cosignature'],
    ['cosignature null', (b) => (b.log.cosignatures[1] = null as never), 'cosignature'],
    ['cosignature ts beyond 2^53 - 1', (b) => (b.log.cosignatures[0]!.ts = 2 ** 53), 'cosignature'],
    ['cosignature ts altered', (b) => (b.log.cosignatures[0]!.ts += 1), 'cosignature: signature'],
    ['cosignature publicKey off the curve', (b) => (b.log.cosignatures[2]!.publicKey = '04' + '11'.repeat(64)), 'cosignature'],
    ['cosignature publicKey uppercase', (b) => (b.log.cosignatures[2]!.publicKey = b.log.cosignatures[2]!.publicKey.toUpperCase()), 'cosignature'],
    ['cosignature witness id of another witness', (b) => (b.log.cosignatures[0]!.witness = witnessB!.id), 'cosignature: duplicate witness'],
    ['cosignature listed twice', (b) => b.log.cosignatures.push(b.log.cosignatures[2]!), 'cosignature: duplicate witness'],
    ['no cosignatures at all', (b) => (b.log.cosignatures = []), 'valid'],
    ['relabelled as version 1: the log is an unknown member, not read', (b) => (b.format = 'evidence-proof/1' as never), 'valid'],
  ])('%s → %s', (_name, mutate, expected) => {
    expect(failsAt(mutate)).toBe(expected);
  });

  it('messages start with the step and its detail, as the vectors name them', () => {
    expect(outcome((b) => (b.log.inclusion.size += 1))).toMatch(/^log: position: log\.inclusion\.size 10 is not checkpoint\.size 9/);
    expect(outcome((b) => b.log.cosignatures.push(b.log.cosignatures[0]!))).toMatch(/^cosignature: duplicate witness: /);
    expect(outcome((b) => (b.log.checkpoint.ts += 1))).toMatch(/^checkpoint: /);
  });

  it('a cosignature moved from another checkpoint does not verify over this one', () => {
    const small = structuredClone(v2.bundles[0]!.bundle as ProofBundleV2);
    expect(small.log.checkpoint.size).not.toBe(base.log.checkpoint.size);
    small.log.cosignatures = [base.log.cosignatures[0]!];
    const r = verifyBundle(small);
    expect(r).toMatchObject({ valid: false, failedStep: 'cosignature', detail: 'signature' });
  });

  it('a checkpoint signed by another key: fails while the bundle names the gateway key, is self-consistent when it names the other', () => {
    const attacker = generateSm2KeyPair();
    const b = clone();
    b.log.signature.value = toHex(signCheckpoint(b.log.checkpoint, attacker.privateKey));
    expect(verifyBundle(b)).toMatchObject({ valid: false, failedStep: 'checkpoint' });
    // Offline ties nothing to an institution (section 13): the online check compares the key with the registry.
    b.log.signature.publicKey = attacker.publicKey;
    expect(verifyBundle(b)).toMatchObject({ valid: true, log: { checkpointKey: attacker.publicKey } });
  });

  it('a rewritten checkpoint re-signed by the gateway key loses the witnesses: their cosignatures covered the old one', () => {
    const gatewayKey = generateSm2KeyPair();
    const b = clone();
    b.log.checkpoint.ts += 1;
    b.log.signature = { alg: 'sm2', publicKey: gatewayKey.publicKey, value: toHex(signCheckpoint(b.log.checkpoint, gatewayKey.privateKey)) };
    expect(verifyBundle(b)).toMatchObject({ valid: false, failedStep: 'cosignature', detail: 'signature' });
  });

  it('reports the checkpoint, the position and every cosignature of a valid bundle', () => {
    const r = verifyBundle(base);
    expect(r).toMatchObject({
      valid: true,
      format: 'evidence-proof/2',
      log: { index: 8, checkpoint: { size: 9, ts: 1764576009200 }, cosignatures: [{ witness: witnessA!.id }, { witness: witnessB!.id }, { witness: witnessC!.id }] },
    });
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['disclosure', 'passed'],
      ['leaf', 'passed'],
      ['inclusion', 'passed'],
      ['signature', 'passed'],
      ['log', 'passed'],
      ['checkpoint', 'passed'],
      ['cosignature', 'passed'],
    ]);
  });

  it('never throws on hostile logs', () => {
    const logs = [null, 1, 'x', [], {}, { checkpoint: [], inclusion: {} }, { ...base.log, cosignatures: [1, 'x', []] }, { ...base.log, signature: null }];
    for (const log of logs) {
      const r = verifyBundle({ ...base, log });
      expect(r.valid).toBe(false);
    }
  });
});

describe('verifyBundle with a witness policy (step 8)', () => {
  const trust = (...ws: (typeof witnessA)[]) => ws.map((w) => ({ id: w!.id, publicKey: w!.publicKey }));

  it('a witness listed with another key does not count', () => {
    const other = generateSm2KeyPair();
    const policy = { quorum: 1, witnesses: [{ id: witnessA!.id, publicKey: other.publicKey }] };
    const b = clone();
    const r = verifyBundle(b, { witnesses: policy });
    expect(r).toMatchObject({ valid: false, failedStep: 'witnesses', detail: 'quorum' });
    expect(!r.valid && r.message).toContain(`a key the policy does not name: ${witnessA!.id}`);
  });

  it('a cosignature by a trusted id made with the witness key swapped for the attacker key does not count', () => {
    const attacker = generateSm2KeyPair();
    const b = clone();
    b.log.cosignatures = [cosignCheckpoint(b.log.checkpoint, { id: witnessA!.id, ...attacker }, 1764576009999)];
    // Offline the forged cosignature is well formed and verifies with the key it names...
    expect(verifyBundle(b).valid).toBe(true);
    // ...and a policy that names the witness's real key refuses it.
    expect(verifyBundle(b, { witnesses: { quorum: 1, witnesses: trust(witnessA) } })).toMatchObject({
      valid: false,
      failedStep: 'witnesses',
      message: expect.stringMatching(/^witnesses: quorum: 0 cosignature\(s\) by trusted witnesses, the policy asks for 1/),
    });
  });

  it('quorum 0 asks nothing, of a version 2 bundle without cosignatures and of a version 1 bundle', () => {
    const none = { quorum: 0, witnesses: trust(witnessA) };
    expect(outcome((b) => (b.log.cosignatures = []), { witnesses: none })).toBe('valid');
    expect(verifyBundle(v2.bundles[9]!.bundle, { witnesses: none })).toMatchObject({ valid: true, witnesses: { quorum: 0, trusted: [] } });
  });

  it('a version 1 bundle fails witnesses as soon as the quorum is 1', () => {
    const r = verifyBundle(v2.bundles[9]!.bundle, { witnesses: { quorum: 1, witnesses: trust(witnessA) } });
    expect(r).toMatchObject({ valid: false, failedStep: 'witnesses' });
    expect(r.steps.map((s) => s.step)).toEqual(['disclosure', 'leaf', 'inclusion', 'signature', 'witnesses']);
  });

  it('an earlier failure skips the witnesses step', () => {
    const r = verifyBundle({ ...clone(), log: null }, { witnesses: { quorum: 0, witnesses: [] } });
    expect(r).toMatchObject({ valid: false, failedStep: 'log' });
    expect(r.steps.at(-1)).toMatchObject({ step: 'witnesses', status: 'skipped' });
  });

  it('a malformed policy is the caller’s error, thrown with its code', () => {
    expect(() => verifyBundle(base, { witnesses: { quorum: -1, witnesses: [] } })).toThrow(expect.objectContaining({ code: 'WITNESS_POLICY_INVALID' }));
  });
});
