import { describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';
import { v2 } from '../../../test/spec/v2-vectors.js';
import { parseBundle } from './parse.js';
import type { ProofBundleV2 } from './types.js';

describe('parseBundle', () => {
  it('returns a typed copy with only the members the format defines; absent disclosure becomes null', () => {
    const { disclosure: _dropped, ...rest } = vectors.bundles[0]!.bundle;
    const parsed = parseBundle({ ...rest, extra: 1, leaf: { ...rest.leaf, extra: 2 } });
    expect(parsed.disclosure).toBeNull();
    expect(parsed).not.toHaveProperty('extra');
    expect(parsed.leaf).toEqual(rest.leaf);
    expect(parsed.batch).toEqual(rest.batch);
  });

  it('reads the log of a version 2 bundle, and a non-object anchor as null', () => {
    const bundle = v2.bundles[4]!.bundle as ProofBundleV2;
    const parsed = parseBundle({ ...bundle, anchor: 'somewhere' });
    expect(parsed.format).toBe('evidence-proof/2');
    expect(parsed).toMatchObject({ log: bundle.log, anchor: null });
  });

  it('names the first malformed member, in the order the steps read them, with a stable code', () => {
    const bundle = structuredClone(v2.bundles[4]!.bundle as ProofBundleV2);
    bundle.batch.seq = 2 ** 53;
    bundle.log.checkpoint.size = -1;
    expect(() => parseBundle(bundle)).toThrow(expect.objectContaining({ code: 'BUNDLE_MALFORMED', message: 'batch.seq must be an integer in 0..9007199254740991' }));
    expect(() => parseBundle({ ...v2.bundles[4]!.bundle, log: { ...bundle.log, cosignatures: undefined } })).toThrow(
      expect.objectContaining({ code: 'BUNDLE_MALFORMED', message: 'log.checkpoint.size must be an integer in 0..9007199254740991' }),
    );
  });

  it('refuses what is not a bundle of a known format with BUNDLE_BAD_FORMAT', () => {
    for (const input of ['{', '[]', null, { format: 'evidence-proof/3' }]) {
      expect(() => parseBundle(input)).toThrow(expect.objectContaining({ code: 'BUNDLE_BAD_FORMAT' }));
    }
  });
});
