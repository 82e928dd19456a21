import { generateSm2KeyPair, sm2Sign, sm2Verify, utf8 } from '@evidence/core';
import { describe, expect, it } from 'vitest';
import { firstKeySource, KeyRing, staticKeySource, type KeySource } from './key-source.js';

describe('KeyRing', () => {
  const a = generateSm2KeyPair();
  const msg = utf8('hop bytes');
  const sig = sm2Sign(msg, a.privateKey, a.publicKey);

  it('resolves ids to prepared keys that verify, and nothing for unknown ids or non-keys', async () => {
    const ring = new KeyRing(staticKeySource([{ id: 'a', publicKey: a.publicKey }, { id: 'bad', publicKey: '04' + '00'.repeat(64) }]));
    const lookup = await ring.lookupFor(['a', 'b', 'bad', 'a']);
    expect(sm2Verify(msg, sig, lookup('a')!)).toBe(true);
    expect(lookup('b')).toBeUndefined();
    expect(lookup('bad')).toBeUndefined();
  });

  it('gives keys in constant use a larger table, which verifies the same', async () => {
    const ring = new KeyRing(staticKeySource([{ id: 'a', publicKey: a.publicKey }]), 60_000, 1);
    const first = (await ring.lookupFor(['a']))('a')!;
    for (let i = 0; i < 20; i++) await ring.lookupFor(['a']);
    await new Promise((r) => setImmediate(r));
    const hot = (await ring.lookupFor(['a']))('a')!;
    expect(hot).not.toBe(first);
    expect(sm2Verify(msg, sig, hot)).toBe(true);
    expect(sm2Verify(msg, sm2Sign(utf8('other'), a.privateKey), hot)).toBe(false);
  });

  it('asks the source again after the time to live, so a rotated key takes over', async () => {
    const b = generateSm2KeyPair();
    let current = a.publicKey;
    const source: KeySource = async () => current;
    const ring = new KeyRing(firstKeySource(staticKeySource([]), source), 0);
    expect(await ring.publicKey('x')).toBe(a.publicKey);
    current = b.publicKey;
    expect(await ring.publicKey('x')).toBe(b.publicKey);
  });
});
