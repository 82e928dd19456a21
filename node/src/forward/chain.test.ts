import { entityId, generateSm2KeyPair, HOP_TYPE, keyLookupFrom, requestDigest, signHop, toHex, type Hop } from '@evidence/core';
import { afterAll, describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';
import { SignaturePool } from '../verify/signature-pool.js';
import { checkChain, checkChainOn, passesCheapChecks } from './chain.js';
import { appendHop, originHop, type HopSigner } from './hops.js';

const signer = (code: string): HopSigner => ({ id: toHex(entityId(code)), ...generateSm2KeyPair() });
const A = signer('H330100001');
const N1 = signer('RN-1');
const N2 = signer('RN-2');
const B = signer('H330100002');
const keys = keyLookupFrom([A, N1, N2, B].map((s) => ({ id: s.id, publicKey: s.publicKey })));
const request = { method: 'POST', path: '/query?x=1', body: { patient: 'p1', scope: ['Observation'] } };
const digest = toHex(requestDigest(request.method, request.path, request.body));
const requestId = '0199a0f0000070008000000000000001';

/** origin A -> N1 -> N2, each hop checked by its receiver first, as the network does. */
function chain(): Hop[] {
  const hops = [originHop(A, requestId, N1.id, digest)];
  let hashes = checkChain({ hops, self: N1.id, request, keys, maxHops: 16 });
  hops.push(appendHop(N1, hops, hashes.at(-1)!, HOP_TYPE.forward, N2.id, digest));
  hashes = checkChain({ hops, self: N2.id, request, keys, maxHops: 16 });
  hops.push(appendHop(N2, hops, hashes.at(-1)!, HOP_TYPE.forward, B.id, digest));
  return hops;
}

const check = (hops: Hop[], over: Partial<Parameters<typeof checkChain>[0]> = {}) => () =>
  checkChain({ hops, self: B.id, request, keys, maxHops: 16, ...over });

describe('checkChain: what a receiver checks before adding its hop', () => {
  it('accepts an honest chain and returns the hop hashes to link to', () => {
    const hops = chain();
    expect(check(hops)()).toHaveLength(3);
  });

  it('accepts the vectors chain up to deliver at its receiver', () => {
    const t = vectors.trace;
    const upToForward = t.hops.slice(0, 2).map(({ hopBytes: _b, hopHash: _h, ...h }) => h);
    const hashes = checkChain({ hops: upToForward, self: t.hops[2]!.node, request: t.request, keys: keyLookupFrom(t.nodes), maxHops: 16 });
    expect(hashes).toEqual([t.hops[0]!.hopHash, t.hops[1]!.hopHash]);
  });

  it('refuses a chain at the hop limit before verifying anything', () => {
    expect(check(chain(), { maxHops: 3 })).toThrow(expect.objectContaining({ code: 'ROUTE_HOP_LIMIT' }));
  });

  it('names the hop of a forged signature, a dropped hop and reordered hops', () => {
    const forged = chain();
    forged[1] = { ...forged[1]!, signature: signHop(forged[1]!, N2.privateKey).signature }; // N2 signs as N1
    expect(check(forged)).toThrow(expect.objectContaining({ code: 'HOP_INVALID', message: 'hop 1: signature', blame: expect.objectContaining({ hop: 1, node: N1.id }) }));

    const dropped = chain();
    dropped.splice(1, 1);
    expect(check(dropped)).toThrow(expect.objectContaining({ code: 'HOP_INVALID', blame: expect.objectContaining({ hop: 1 }) }));

    const reordered = chain();
    [reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!];
    expect(check(reordered)).toThrow(expect.objectContaining({ code: 'HOP_INVALID', message: expect.stringMatching(/^hop 1: index/) }));
  });

  it('refuses a chain addressed to someone else, and one that already passed here (a loop)', () => {
    expect(check(chain(), { self: N1.id })).toThrow(expect.objectContaining({ code: 'HOP_MISDIRECTED' }));
    // N2 hands the request back to N1, which already signed it.
    const hops = chain().slice(0, 2);
    const hashes = checkChain({ hops, self: N2.id, request, keys, maxHops: 16 });
    hops.push(appendHop(N2, hops, hashes.at(-1)!, HOP_TYPE.forward, N1.id, digest));
    expect(check(hops, { self: N1.id })).toThrow(expect.objectContaining({ code: 'ROUTE_LOOP' }));
  });

  it('blames the hop that changed the digest, or the sender of a body the chain did not sign', () => {
    // N2 alters the body and signs the new digest: hop 2 changed it.
    const altered = { ...request, body: { patient: 'p2', scope: ['Observation'] } };
    const alteredDigest = toHex(requestDigest(altered.method, altered.path, altered.body));
    const hops = chain().slice(0, 2);
    const hashes = checkChain({ hops, self: N2.id, request, keys, maxHops: 16 });
    hops.push(appendHop(N2, hops, hashes.at(-1)!, HOP_TYPE.forward, B.id, alteredDigest));
    expect(check(hops, { request: altered })).toThrow(
      expect.objectContaining({ code: 'HOP_DIGEST_MISMATCH', blame: expect.objectContaining({ hop: 2, node: N2.id }) }),
    );
    // N2 alters the body but keeps signing the original digest: it sent what the chain did not sign.
    expect(check(chain(), { request: altered })).toThrow(
      expect.objectContaining({ code: 'HOP_DIGEST_MISMATCH', blame: expect.objectContaining({ hop: 2, node: N2.id }) }),
    );
  });

  it('a replayed hop 0 with another body: on a plain link nobody is named as sender; over TLS the device on the link is', () => {
    const hop0 = [originHop(A, requestId, N1.id, digest)];
    const altered = { ...request, body: { patient: 'p9' } };
    const onPlain = () => checkChain({ hops: hop0, self: N1.id, request: altered, keys, maxHops: 16 });
    expect(onPlain).toThrow(expect.objectContaining({ code: 'HOP_DIGEST_MISMATCH', blame: { hop: 0, check: 'digest', node: A.id } }));
    // Over TLS, a device other than A hands A's hop 0 over: refused as a relay, naming that device.
    expect(() => checkChain({ hops: hop0, self: N1.id, request: altered, keys, maxHops: 16, peer: N2.id })).toThrow(
      expect.objectContaining({ code: 'HOP_SENDER_MISMATCH', blame: expect.objectContaining({ hop: 0, node: A.id, sender: N2.id }) }),
    );
    // A itself sending another body than it signed: named as the sender.
    expect(() => checkChain({ hops: hop0, self: N1.id, request: altered, keys, maxHops: 16, peer: A.id })).toThrow(
      expect.objectContaining({ code: 'HOP_DIGEST_MISMATCH', blame: expect.objectContaining({ hop: 0, node: A.id, sender: A.id }) }),
    );
  });

  it('without the request in clear (a sealed request), checks every hop signs one digest and the chain is intact', () => {
    const hops = chain();
    expect(checkChain({ hops, self: B.id, keys, maxHops: 16 })).toHaveLength(3);
    const forked = chain();
    forked[2] = signHop({ ...forked[2]!, digest: 'ab'.repeat(32) }, N2.privateKey);
    expect(() => checkChain({ hops: forked, self: B.id, keys, maxHops: 16 })).toThrow(expect.objectContaining({ code: 'HOP_DIGEST_MISMATCH', blame: expect.objectContaining({ hop: 2 }) }));
  });

  it('refuses an expired origin hop when the receiver bounds replays', () => {
    const hops = chain();
    expect(check(hops, { maxAgeMs: 1000, now: hops[0]!.ts + 5000 })).toThrow(expect.objectContaining({ code: 'HOP_INVALID', message: expect.stringMatching(/^hop 0: expired/) }));
  });

  it('refuses a chain ending in a deliver hop and an unknown signer', () => {
    const hops = chain();
    const hashes = check(hops)();
    const delivered = [...hops, appendHop(B, hops, hashes.at(-1)!, HOP_TYPE.deliver, '00'.repeat(32), digest)];
    expect(() => checkChain({ hops: delivered, self: B.id, request, keys, maxHops: 16 })).toThrow(expect.objectContaining({ code: 'HOP_INVALID' }));
    const stranger = signer('RN-X');
    const hops2 = [originHop(A, requestId, stranger.id, digest)];
    hops2.push(appendHop(stranger, hops2, check(hops2, { self: stranger.id })().at(-1)!, HOP_TYPE.forward, B.id, digest));
    expect(check(hops2)).toThrow(expect.objectContaining({ code: 'HOP_INVALID', message: expect.stringMatching(/^hop 1: unknown node/) }));
  });
});

describe('checkChainOn: the same checks with the signatures on worker threads', () => {
  const pool = new SignaturePool(2);
  afterAll(() => pool.close());

  /** The refusal (or hashes) of the synchronous check, to compare with. */
  const outcome = async (run: () => unknown) => {
    try {
      return { ok: await run() };
    } catch (e) {
      const r = e as { code: string; message: string; blame?: unknown };
      return { code: r.code, message: r.message, blame: r.blame };
    }
  };

  const forgedSignature = () => {
    const forged = chain();
    forged[1] = { ...forged[1]!, signature: signHop(forged[1]!, N2.privateKey).signature };
    return forged;
  };
  const alteredRequest = { ...request, body: { patient: 'p2' } };
  const cases: [string, () => Hop[], Partial<Parameters<typeof checkChain>[0]>][] = [
    ['an honest chain', chain, {}],
    ['a forged signature', forgedSignature, {}],
    ['a forged signature in a misdirected chain', forgedSignature, { self: N1.id }],
    ['reordered hops', () => { const h = chain(); [h[1], h[2]] = [h[2]!, h[1]!]; return h; }, {}],
    ['a misdirected chain', chain, { self: N1.id }],
    ['a body the chain did not sign', chain, { request: alteredRequest }],
    ['the hop limit', chain, { maxHops: 3 }],
    ['an expired origin', chain, { maxAgeMs: 1000, now: Date.now() + 60_000 }],
  ];

  it.each(cases)('refuses (or accepts) exactly as checkChain: %s', async (_name, hops, over) => {
    const c = { hops: hops(), self: B.id, request, keys, maxHops: 16, ...over };
    const expected = await outcome(() => checkChain(c));
    for (const shareWithCaller of [true, false]) expect(await outcome(() => checkChainOn(pool, c, { shareWithCaller }))).toEqual(expected);
    expect(await outcome(() => checkChainOn(undefined, c))).toEqual(expected);
  });

  it('tells a chain worth signing ahead for from one that fails a cheap check', () => {
    const c = { hops: chain(), self: B.id, request, keys, maxHops: 16 };
    expect(passesCheapChecks(c)).toBe(true);
    expect(passesCheapChecks({ ...c, self: N1.id })).toBe(false);
    expect(passesCheapChecks({ ...c, request: alteredRequest })).toBe(false);
    // A forged last signature is not a cheap check (nothing links to it yet): only the workers find it.
    const hops = chain();
    hops[2] = { ...hops[2]!, signature: signHop(hops[2]!, N1.privateKey).signature };
    expect(passesCheapChecks({ ...c, hops })).toBe(true);
  });
});
