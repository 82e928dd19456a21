import { describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import { signHeader } from '../batch/header.js';
import { toHex } from '../encoding/bytes.js';
import type { ProofBundle } from './types.js';
import { verifyBundle } from './verify.js';

const base = vectors.bundles[0]!.bundle;
const clone = (): ProofBundle => structuredClone(base);

function failsAt(mutate: (b: ProofBundle & Record<string, unknown>) => void): string {
  const b = clone() as ProofBundle & Record<string, unknown>;
  mutate(b);
  const r = verifyBundle(b);
  return r.valid ? 'valid' : r.failedStep;
}

describe('verifyBundle: each tampered field fails at the step the spec names', () => {
  it.each<[string, (b: ProofBundle & Record<string, unknown>) => void, string]>([
    ['untouched', () => {}, 'valid'],
    ['format tag', (b) => (b.format = 'evidence-proof/3' as never), 'format'],
    ['relabelled as version 2: it has no log', (b) => (b.format = 'evidence-proof/2' as never), 'log'],
    // Spec section 13: each malformed member fails at the first step that reads it.
    ['missing leaf: disclosure reads leaf.commitment first', (b) => delete (b as Record<string, unknown>).leaf, 'disclosure'],
    [
      'missing leaf, nothing disclosed',
      (b) => {
        delete (b as Record<string, unknown>).leaf;
        b.disclosure = null;
      },
      'leaf',
    ],
    ['missing disclosure means nothing disclosed', (b) => delete (b as Record<string, unknown>).disclosure, 'valid'],
    ['disclosure not an object', (b) => (b.disclosure = 'x' as never), 'disclosure'],
    ['disclosure.payload missing', (b) => delete (b.disclosure as Record<string, unknown>).payload, 'disclosure'],
    ['disclosure.salt missing', (b) => delete (b.disclosure as Record<string, unknown>).salt, 'disclosure'],
    ['disclosure.salt uppercase', (b) => (b.disclosure!.salt = b.disclosure!.salt.toUpperCase()), 'disclosure'],
    ['leaf.commitment uppercase, disclosed', (b) => (b.leaf.commitment = b.leaf.commitment.toUpperCase()), 'disclosure'],
    [
      'leaf.commitment uppercase, nothing disclosed',
      (b) => {
        b.leaf.commitment = b.leaf.commitment.toUpperCase();
        b.disclosure = null;
      },
      'leaf',
    ],
    ['leaf.ts beyond 2^53 - 1', (b) => (b.leaf.ts = 2 ** 53), 'leaf'],
    ['leaf.ts as a string', (b) => (b.leaf.ts = String(b.leaf.ts) as never), 'leaf'],
    ['leaf.id missing', (b) => delete (b.leaf as unknown as Record<string, unknown>).id, 'leaf'],
    ['batch missing: leaf compares leaf.gateway first', (b) => delete (b as Record<string, unknown>).batch, 'leaf'],
    ['batch.gateway uppercase: ids compare as lowercase strings', (b) => (b.batch.gateway = b.batch.gateway.toUpperCase()), 'leaf'],
    ['batch.size beyond 2^53 - 1', (b) => (b.batch.size = 2 ** 53), 'inclusion'],
    ['batch.size 0', (b) => (b.batch.size = 0), 'inclusion'],
    ['batch.root uppercase', (b) => (b.batch.root = b.batch.root.toUpperCase()), 'inclusion'],
    ['inclusion missing', (b) => delete (b as Record<string, unknown>).inclusion, 'inclusion'],
    ['inclusion.index as a string', (b) => (b.inclusion.index = '0' as never), 'inclusion'],
    ['inclusion.path hash uppercase', (b) => (b.inclusion.path[0] = b.inclusion.path[0]!.toUpperCase()), 'inclusion'],
    ['path not an array', (b) => (b.inclusion.path = 'x' as never), 'inclusion'],
    ['absurd path length', (b) => (b.inclusion.path = Array(65).fill('00'.repeat(32))), 'inclusion'],
    ['batch.seq beyond 2^53 - 1', (b) => (b.batch.seq = 2 ** 53), 'signature'],
    ['batch.seq as a string', (b) => (b.batch.seq = '0' as never), 'signature'],
    ['batch.prev uppercase', (b) => (b.batch.prev = 'AB'.repeat(32)), 'signature'],
    ['batch.closedAt negative', (b) => (b.batch.closedAt = -1), 'signature'],
    ['signature missing', (b) => delete (b as Record<string, unknown>).signature, 'signature'],
    ['signature.publicKey uppercase', (b) => (b.signature.publicKey = b.signature.publicKey.toUpperCase()), 'signature'],
    ['signature.value uppercase', (b) => (b.signature.value = b.signature.value.toUpperCase()), 'signature'],
    ['anchor is not read offline', (b) => (b.anchor = 'anything' as never), 'valid'],
    ['unknown members are not read offline', (b) => Object.assign(b, { extra: 1, leaf: { ...b.leaf, extra: 2 } }), 'valid'],
    ['payload', (b) => ((b.disclosure!.payload as Record<string, unknown>).consent = false), 'disclosure'],
    ['salt not hex', (b) => (b.disclosure!.salt = 'zz'), 'disclosure'],
    ['leaf commitment', (b) => (b.leaf.commitment = '00'.repeat(32)), 'disclosure'],
    ['leaf version', (b) => (b.leaf.v = 2), 'leaf'],
    ['unknown kind 13', (b) => (b.leaf.kind = 13), 'leaf'],
    ['kind 0', (b) => (b.leaf.kind = 0), 'leaf'],
    ['short id', (b) => (b.leaf.id = b.leaf.id.slice(2)), 'leaf'],
    ['negative ts', (b) => (b.leaf.ts = -1), 'leaf'],
    ['fractional ts', (b) => (b.leaf.ts = 1.5), 'leaf'],
    ['uppercase subject', (b) => (b.leaf.subject = b.leaf.subject.toUpperCase()), 'leaf'],
    ['leaf of another gateway', (b) => (b.leaf.gateway = vectors.identifiers[1]!.id), 'leaf'],
    ['leaf kind changed', (b) => (b.leaf.kind = 5), 'inclusion'],
    ['leaf subject changed', (b) => (b.leaf.subject = '11'.repeat(32)), 'inclusion'],
    ['index', (b) => (b.inclusion.index = 1), 'inclusion'],
    ['index beyond size', (b) => (b.inclusion.index = 5), 'inclusion'],
    ['inclusion size', (b) => (b.inclusion.size = 6), 'inclusion'],
    ['path dropped', (b) => b.inclusion.path.pop(), 'inclusion'],
    ['path swapped', (b) => b.inclusion.path.reverse(), 'inclusion'],
    ['root', (b) => (b.batch.root = '00'.repeat(32)), 'inclusion'],
    ['batch alg', (b) => (b.batch.alg = 'sm3'), 'inclusion'],
    ['batch alg unknown', (b) => (b.batch.alg = 'sha256' as never), 'inclusion'],
    ['batch seq', (b) => (b.batch.seq = 1), 'signature'],
    ['batch prev', (b) => (b.batch.prev = '11'.repeat(32)), 'signature'],
    ['batch closedAt', (b) => (b.batch.closedAt += 1), 'signature'],
    ['batch version', (b) => (b.batch.v = 2), 'signature'],
    ['signature byte', (b) => (b.signature.value = 'ff' + b.signature.value.slice(2)), 'signature'],
    ['signature alg', (b) => (b.signature.alg = 'ecdsa' as never), 'signature'],
    ['another public key', (b) => (b.signature.publicKey = generateSm2KeyPair().publicKey), 'signature'],
    ['public key off the curve', (b) => (b.signature.publicKey = '04' + '00'.repeat(64)), 'signature'],
    ['signature too short', (b) => (b.signature.value = b.signature.value.slice(4)), 'signature'],
  ])('%s → %s', (_name, mutate, step) => {
    expect(failsAt(mutate)).toBe(step);
  });

  it('a batch size change re-signed by another key still fails at signature against the bundle key', () => {
    const b = clone();
    const attacker = generateSm2KeyPair();
    b.batch.size = 5;
    b.signature.value = toHex(signHeader(b.batch, attacker.privateKey));
    expect(verifyBundle(b).valid).toBe(false);
  });

  it('never throws on hostile input', () => {
    const hostile = [null, 1, 'x', '[]', [], { format: 'evidence-proof/1', leaf: [], inclusion: {}, batch: {}, signature: {} }, { format: 'evidence-proof/1' }];
    for (const input of hostile) {
      expect(() => verifyBundle(input)).not.toThrow();
      expect(verifyBundle(input).valid).toBe(false);
    }
  });

  it('reports every step, and skips disclosure when nothing is disclosed', () => {
    const r = verifyBundle(vectors.bundles[1]!.bundle);
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['disclosure', 'skipped'],
      ['leaf', 'passed'],
      ['inclusion', 'passed'],
      ['signature', 'passed'],
    ]);
  });
});

describe('verifyBundle: what input that is not a bundle reports', () => {
  it('text that is not JSON, and JSON that is not an object, fail at format', () => {
    expect(verifyBundle('{"format":')).toMatchObject({ valid: false, failedStep: 'format', steps: [] });
    expect(verifyBundle('[]')).toMatchObject({ valid: false, failedStep: 'format', message: 'a proof bundle is a JSON object' });
  });

  it('a bare format tag fails at leaf: nothing is disclosed, and the leaf is the first member missing', () => {
    expect(verifyBundle({ format: 'evidence-proof/1' })).toMatchObject({ valid: false, failedStep: 'leaf', message: 'leaf is missing' });
  });

  it('a v1 bundle reports its format and no log', () => {
    const r = verifyBundle(base);
    expect(r).toMatchObject({ valid: true, format: 'evidence-proof/1' });
    expect(r.valid && r.log).toBeUndefined();
  });
});
