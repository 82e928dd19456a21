import { describe, expect, it } from 'vitest';
import { parseBundle, parseWitnessPolicy, verifyBundle } from '@evidence/core';
import { failsAtMatches, v2 } from './v2-vectors.js';

const indexed = <T>(list: T[]) => list.map((entry, i) => ({ ...entry, i }));

describe('spec section 12: v2 proof bundles of the independent implementation', () => {
  it.each(indexed(v2.bundles).filter((b) => b.valid))('valid bundle $i verifies, every step passed', ({ bundle }) => {
    const r = verifyBundle(bundle);
    expect(r.valid).toBe(true);
    const version2 = bundle.format === 'evidence-proof/2';
    expect(r.steps.map((s) => s.step)).toEqual(
      version2 ? ['disclosure', 'leaf', 'inclusion', 'signature', 'log', 'checkpoint', 'cosignature'] : ['disclosure', 'leaf', 'inclusion', 'signature'],
    );
    expect(r.steps.map((s) => s.status)).toEqual(r.steps.map((s) => (s.step === 'disclosure' && !bundle.disclosure ? 'skipped' : 'passed')));
    if (!r.valid) return;
    expect(r.format).toBe(bundle.format);
    if (bundle.format === 'evidence-proof/2') {
      expect(r.log).toMatchObject({
        checkpoint: bundle.log.checkpoint,
        index: bundle.batch.seq,
        checkpointKey: bundle.log.signature.publicKey,
        cosignatures: bundle.log.cosignatures.map(({ witness, ts, publicKey }) => ({ witness, ts, publicKey })),
      });
    } else {
      expect(r.log).toBeUndefined();
    }
  });

  it.each(indexed(v2.bundles).filter((b) => !b.valid))('tampered bundle $i fails at "$failsAt"', ({ bundle, failsAt }) => {
    const r = verifyBundle(bundle);
    expect(r.valid).toBe(false);
    if (r.valid) return;
    expect(failsAtMatches(r, failsAt!), `${r.failedStep}: ${r.message}`).toBe(true);
    // The failed step is listed once, and every later step is skipped.
    const at = r.steps.findIndex((s) => s.status === 'failed');
    if (r.failedStep === 'format') expect(r.steps).toEqual([]);
    else expect(r.steps[at]!.step).toBe(r.failedStep);
    expect(r.steps.slice(at + 1).every((s) => s.status === 'skipped')).toBe(true);
  });

  it('the failsAt matcher needs the detail at the start of the message, and the step exactly', () => {
    const position = verifyBundle(v2.bundles[13]!.bundle);
    expect(failsAtMatches(position, 'log: position')).toBe(true);
    expect(failsAtMatches(position, 'log')).toBe(true);
    expect(failsAtMatches(position, 'log: alg')).toBe(false);
    expect(failsAtMatches(position, 'checkpoint')).toBe(false);
    expect(failsAtMatches(verifyBundle(v2.bundles[4]!.bundle), 'log')).toBe(false);
  });

  it('round-trips every bundle through JSON text, and parseBundle accepts exactly the well-formed ones', () => {
    for (const { bundle, valid, failsAt } of v2.bundles) {
      expect(verifyBundle(JSON.stringify(bundle)).valid).toBe(valid);
      if (valid) expect(verifyBundle(parseBundle(bundle))).toMatchObject({ valid: true });
      if (failsAt === 'format') expect(() => parseBundle(bundle)).toThrow(expect.objectContaining({ code: 'BUNDLE_BAD_FORMAT' }));
    }
  });
});

describe('spec section 12, step 8: the vectors witness policies', () => {
  it.each(indexed(v2.policies))('policy $i (quorum $policy.quorum) on bundle $bundle: $expect', ({ policy, bundle, expect: expected }) => {
    const r = verifyBundle(v2.bundles[bundle]!.bundle, { witnesses: parseWitnessPolicy(policy) });
    if (expected === null) {
      expect(r.valid).toBe(true);
      expect(r.steps.at(-1)).toMatchObject({ step: 'witnesses', status: 'passed' });
    } else {
      expect(r).toMatchObject({ valid: false, failedStep: expected });
      expect(failsAtMatches(r, expected)).toBe(true);
    }
  });

  it('the witnesses step is listed only when a policy is given', () => {
    const bundle = v2.bundles[4]!.bundle;
    expect(verifyBundle(bundle).steps.map((s) => s.step)).not.toContain('witnesses');
    expect(verifyBundle(bundle, { witnesses: { quorum: 0, witnesses: [] } }).steps.at(-1)).toMatchObject({ step: 'witnesses', status: 'passed' });
  });

  it('counts only the trusted witnesses: of three cosigners, the two listed meet quorum 2; quorum 3 over two listed is a refused policy', () => {
    const bundle = v2.bundles[4]!.bundle;
    const [a, b] = v2.witnesses;
    const trusted = [a!, b!].map(({ id, publicKey }) => ({ id, publicKey }));
    const two = verifyBundle(bundle, { witnesses: { quorum: 2, witnesses: trusted } });
    expect(two).toMatchObject({ valid: true, witnesses: { quorum: 2, trusted: [a!.id, b!.id], unknown: [v2.witnesses[2]!.id], wrongKey: [] } });
    // A quorum above the listed witnesses could never be met: the policy itself is refused.
    expect(() => verifyBundle(bundle, { witnesses: { quorum: 3, witnesses: trusted } })).toThrow(expect.objectContaining({ code: 'WITNESS_POLICY_INVALID' }));
  });
});
