import { encodeHop, fromHex, generateSm2KeyPair, prepareSm2PublicKey, sm2Sign, sm2Verify, utf8, type HopSignatureCheck } from '@evidence/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SignaturePool, sharedSignaturePool } from './signature-pool.js';
import { signAhead, SM2_HOPS } from '../forward/hop-crypto.js';

const kp = generateSm2KeyPair();
const other = generateSm2KeyPair();
const check = (i: number, good: boolean): HopSignatureCheck => {
  const message = utf8(`hop ${i}`);
  return { hop: i, message, signature: sm2Sign(message, good ? kp.privateKey : other.privateKey), key: i % 2 ? kp.publicKey : prepareSm2PublicKey(kp.publicKey) };
};

describe('SignaturePool', () => {
  const pool = new SignaturePool(2);
  afterAll(() => pool.close());

  it('answers in the order asked, split between the workers and the caller', async () => {
    const checks = Array.from({ length: 9 }, (_, i) => check(i, i !== 4 && i !== 7));
    const expected = checks.map((c) => c.hop !== 4 && c.hop !== 7);
    expect(await pool.verify(checks)).toEqual(expected);
    expect(await pool.verify(checks, { shareWithCaller: false })).toEqual(expected);
    // Many at once (a loaded device): still each answer to its own request.
    const answers = await Promise.all(Array.from({ length: 20 }, () => pool.verify(checks.slice(3, 8), { shareWithCaller: false })));
    for (const a of answers) expect(a).toEqual(expected.slice(3, 8));
  });

  it('is idle only with nothing outstanding; a caller told to share checks its share while a worker signs', async () => {
    expect(pool.idle).toBe(true);
    const signing = pool.sign(utf8('ahead'), kp.privateKey);
    expect(pool.idle).toBe(false);
    const checks = [check(0, true), check(1, false), check(2, true)];
    expect(await pool.verify(checks, { shareWithCaller: true })).toEqual([true, false, true]);
    expect(sm2Verify(utf8('ahead'), await signing, kp.publicKey)).toBe(true);
    expect(pool.idle).toBe(true);
  });

  it('signs a hop ahead on a worker; a hop whose fields cannot be formed is undefined, never a rejection', async () => {
    const signer = { id: 'aa'.repeat(32), ...kp };
    const fields = { v: 1, type: 2, requestId: 'ab'.repeat(16), index: 1, node: signer.id, next: 'cd'.repeat(32), ts: 1_763_800_200_000, digest: 'ef'.repeat(32), prev: '12'.repeat(32) };
    const hop = await signAhead(SM2_HOPS, pool, () => fields, signer);
    expect(hop).toMatchObject(fields);
    expect(sm2Verify(encodeHop(fields), fromHex(hop!.signature, 64), kp.publicKey)).toBe(true);
    const noRoute = () => {
      throw new Error('no route');
    };
    await expect(signAhead(SM2_HOPS, pool, noRoute, signer)).resolves.toBeUndefined();
    // Fields that do not encode (a bad hex field) fail in signing: undefined too.
    await expect(signAhead(SM2_HOPS, pool, () => ({ ...fields, prev: 'zz' }), signer)).resolves.toBeUndefined();
  });

  it('fails signatures under a key that is not a key, and hot keys keep verifying after their upgrade', async () => {
    const bad = { ...check(1, true), key: '04' + '11'.repeat(64) };
    expect(await pool.verify([bad, check(2, true)], { shareWithCaller: false })).toEqual([false, true]);
    for (let i = 0; i < 40; i++) expect(await pool.verify([check(i, true), check(i, false)], { shareWithCaller: false })).toEqual([true, false]);
  });

  it('signs on a worker: the signatures verify under the signer\'s key only, concurrent requests each get their own', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => utf8(`own hop ${i}`));
    const signatures = await Promise.all(messages.map((m) => pool.sign(m, kp.privateKey)));
    for (const [i, sig] of signatures.entries()) {
      expect(sm2Verify(messages[i]!, sig, kp.publicKey)).toBe(true);
      expect(sm2Verify(messages[(i + 1) % messages.length]!, sig, kp.publicKey)).toBe(false);
      expect(sm2Verify(messages[i]!, sig, other.publicKey)).toBe(false);
    }
  });

  it('checks inline when a worker dies, and with no workers at all', async () => {
    const doomed = new SignaturePool(1);
    const checks = [check(0, true), check(1, false)];
    const answer = doomed.verify(checks, { shareWithCaller: false });
    await doomed.close();
    expect(await answer).toEqual([true, false]);
    expect(doomed.size).toBe(0);
    expect(await doomed.verify(checks)).toEqual([true, false]);
    // A signature asked of a pool whose worker is gone is made inline.
    expect(sm2Verify(utf8('late'), await doomed.sign(utf8('late'), kp.privateKey), kp.publicKey)).toBe(true);
  });

  it('is one per process and size; none for size 0', () => {
    expect(sharedSignaturePool(0)).toBeUndefined();
    expect(sharedSignaturePool(1)).toBe(sharedSignaturePool(1));
  });
});
