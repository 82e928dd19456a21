import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_KINDS_MASK, EVIDENCE_KINDS, MAX_KIND_CODE } from '@evidence/core';
import { describe, expect, it } from 'vitest';
import { ALL_KINDS, kindsMask, kindsOf } from './kinds-mask.js';

const SOLIDITY = new URL('../../solidity/', import.meta.url).pathname;

function solidityFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? solidityFiles(path) : name.endsWith('.sol') ? [path] : [];
  });
}

const kindsLibrary = solidityFiles(SOLIDITY).filter((f) => f.endsWith('EvidenceKinds.sol'));

/**
 * A kind added to core/src/kinds.ts compiles everywhere and would then be
 * refused on chain by consents and claims, silently: these tests tie the
 * contracts' kinds to core's list, so that change fails here first.
 */
describe('evidence kinds: core, the TypeScript mask and EvidenceKinds.sol agree', () => {
  it('there is exactly one EvidenceKinds.sol', () => {
    expect(kindsLibrary).toHaveLength(1);
  });

  const source = readFileSync(kindsLibrary[0]!, 'utf8');

  it('ALL is the mask of every kind core defines', () => {
    const all = /uint16\s+internal\s+constant\s+ALL\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*;/.exec(source);
    expect(all, 'EvidenceKinds.sol declares ALL').not.toBeNull();
    expect(Number(all![1])).toBe(ALL_KINDS_MASK);
    expect(ALL_KINDS).toBe(ALL_KINDS_MASK);
  });

  it('isKnown accepts exactly 1..MAX_KIND_CODE, and core\'s codes are 1..MAX_KIND_CODE without gaps', () => {
    const range = /kind\s*>=\s*(\d+)\s*&&\s*kind\s*<=\s*(\d+)/.exec(source);
    expect(range, 'EvidenceKinds.sol isKnown states its range').not.toBeNull();
    expect(Number(range![1])).toBe(1);
    expect(Number(range![2])).toBe(MAX_KIND_CODE);
    const codes = Object.values(EVIDENCE_KINDS).sort((a, b) => a - b);
    expect(codes).toEqual(Array.from({ length: MAX_KIND_CODE }, (_, i) => i + 1));
    // The mask is a uint16 on chain.
    expect(MAX_KIND_CODE).toBeLessThan(16);
  });

  it('every named kind constant in Solidity has core\'s code', () => {
    const named = [...source.matchAll(/uint8\s+internal\s+constant\s+([A-Z_]+)\s*=\s*(\d+)\s*;/g)];
    expect(named.length).toBeGreaterThan(0);
    for (const [, name, code] of named) {
      const kind = name!.toLowerCase().replaceAll('_', '-') as keyof typeof EVIDENCE_KINDS;
      expect(EVIDENCE_KINDS[kind], `${name} names a kind of core`).toBe(Number(code));
    }
  });

  it('the TypeScript mask round-trips every kind and refuses one core does not define', () => {
    const names = Object.keys(EVIDENCE_KINDS);
    expect(kindsMask(names)).toBe(ALL_KINDS_MASK);
    expect(kindsOf(ALL_KINDS_MASK)).toEqual(Object.values(EVIDENCE_KINDS).sort((a, b) => a - b));
    expect(() => kindsMask([MAX_KIND_CODE + 1])).toThrow(/unknown evidence kind/);
    expect(() => kindsMask(['no-such-kind'])).toThrow(/unknown evidence kind/);
  });
});
