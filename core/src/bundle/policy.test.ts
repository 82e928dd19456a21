import { describe, expect, it } from 'vitest';
import { v2 } from '../../../test/spec/v2-vectors.js';
import { parseWitnessPolicy, tallyWitnesses } from './policy.js';

const [a, b, c] = v2.witnesses.map(({ code, id, publicKey }) => ({ code, id, publicKey }));
const refused = (input: unknown) => () => parseWitnessPolicy(input);
const INVALID = expect.objectContaining({ code: 'WITNESS_POLICY_INVALID' });

describe('parseWitnessPolicy', () => {
  it('reads the CLI file shape (an array, with optional codes) and the vectors shape (an object id → key) alike', () => {
    const fromArray = parseWitnessPolicy({ quorum: 2, witnesses: [a, b, { id: c!.id, publicKey: c!.publicKey }] });
    const fromObject = parseWitnessPolicy(v2.policies[0]!.policy);
    expect(fromArray.quorum).toBe(2);
    expect(fromArray.witnesses.map((w) => [w.id, w.publicKey])).toEqual(fromObject.witnesses.map((w) => [w.id, w.publicKey]));
    expect(fromArray.witnesses[0]!.code).toBe('RN-ZJ-01');
    expect(parseWitnessPolicy(JSON.stringify(v2.policies[0]!.policy))).toEqual(fromObject);
  });

  it('accepts quorum 0 and no witnesses', () => {
    expect(parseWitnessPolicy({ quorum: 0, witnesses: [] })).toEqual({ quorum: 0, witnesses: [] });
  });

  it.each<[string, unknown]>([
    ['not JSON', '{"quorum":'],
    ['not an object', [a]],
    ['quorum missing', { witnesses: [a] }],
    ['quorum negative', { quorum: -1, witnesses: [a] }],
    ['quorum fractional', { quorum: 0.5, witnesses: [a] }],
    ['quorum a string', { quorum: '1', witnesses: [a] }],
    ['quorum above the witnesses', { quorum: 2, witnesses: [a] }],
    ['witnesses missing', { quorum: 0 }],
    ['witnesses a string', { quorum: 0, witnesses: 'all' }],
    ['an entry not an object', { quorum: 0, witnesses: [a!.id] }],
    ['an id in uppercase', { quorum: 1, witnesses: [{ ...a, id: a!.id.toUpperCase() }] }],
    ['an id of 31 bytes', { quorum: 1, witnesses: [{ ...a, id: a!.id.slice(2) }] }],
    ['a key off the curve', { quorum: 1, witnesses: [{ ...a, publicKey: '04' + '00'.repeat(64) }] }],
    ['a key in uppercase', { quorum: 1, witnesses: { [a!.id]: a!.publicKey.toUpperCase() } }],
    ['an id listed twice', { quorum: 1, witnesses: [a, { ...a, publicKey: b!.publicKey }] }],
    ['a code that is not a string', { quorum: 1, witnesses: [{ ...a, code: 7 }] }],
  ])('refuses %s', (_why, input) => {
    expect(refused(input)).toThrow(INVALID);
  });
});

describe('tallyWitnesses', () => {
  it('sorts cosigners into trusted, listed with another key, and unknown', () => {
    const policy = parseWitnessPolicy({ quorum: 1, witnesses: [a, { id: b!.id, publicKey: c!.publicKey }] });
    const tally = tallyWitnesses(policy, [a!, b!, c!].map((w) => ({ witness: w.id, publicKey: w.publicKey })));
    expect(tally).toEqual({ quorum: 1, trusted: [a!.id], wrongKey: [b!.id], unknown: [c!.id] });
  });
});
