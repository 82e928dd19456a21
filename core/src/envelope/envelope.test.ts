import { sm2 as sm2lib } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../encoding/bytes.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import {
  associatedData,
  openRequest,
  openResponse,
  sealRequest,
  sealResponse,
  signEnvelope,
  verifyEnvelopeSignature,
  type Envelope,
  type EnvelopeContext,
} from './envelope.js';
import { sm2Decrypt, sm2Encrypt } from './sm2-encrypt.js';

const origin = generateSm2KeyPair();
const destination = generateSm2KeyPair();
const other = generateSm2KeyPair();
const ctx: EnvelopeContext = {
  direction: 'request',
  institution: 'H330200001',
  service: 'emr.query',
  requestId: '0199a0f0000070008000000000000001',
  origin: 'aa'.repeat(32),
  digest: 'bb'.repeat(32),
};
const responseCtx: EnvelopeContext = { ...ctx, direction: 'response', digest: 'cc'.repeat(32) };
const secret = utf8(JSON.stringify({ method: 'POST', path: '/emr/query?patient=MARKER-42', body: { name: '张三' } }));

const code = (run: () => unknown) => {
  try {
    run();
    return 'opened';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

/** Flips one bit of a hex or base64 field of the envelope. */
function flip(e: Envelope, field: 'key' | 'iv' | 'ct' | 'tag'): Envelope {
  const bytes = field === 'ct' ? Buffer.from(e.ct, 'base64') : Buffer.from(e[field]!, 'hex');
  // (in the wrapped key: a byte of C3, past C1, whose change would only make the point invalid)
  bytes[field === 'key' ? 80 : Math.floor(bytes.length / 2)]! ^= 0x01;
  return { ...e, [field]: field === 'ct' ? bytes.toString('base64') : bytes.toString('hex') };
}

describe('SM2 encryption (GB/T 32918.4, C1 || C3 || C2)', () => {
  it('reads what sm-crypto-v2 writes and writes what it reads', () => {
    const m = utf8('a content key of thirty-two bytes');
    const theirs = sm2lib.doEncrypt(m, destination.publicKey, 1);
    // sm-crypto-v2 leaves out C1's 04 prefix.
    expect(sm2Decrypt(Buffer.from(`04${theirs}`, 'hex'), destination.privateKey)).toEqual(m);
    const ours = toHex(sm2Encrypt(m, destination.publicKey));
    expect(sm2lib.doDecrypt(ours.slice(2), destination.privateKey, 1, { output: 'array' })).toEqual(m);
  });

  it('refuses another recipient and an altered C1, C3 or C2', () => {
    const c = sm2Encrypt(utf8('k'.repeat(32)), destination.publicKey);
    expect(code(() => sm2Decrypt(c, other.privateKey))).toBe('ENVELOPE_WRONG_RECIPIENT');
    for (const at of [70, 100, c.length - 1]) {
      const bad = c.slice();
      bad[at]! ^= 1;
      expect(code(() => sm2Decrypt(bad, destination.privateKey))).toBe('ENVELOPE_WRONG_RECIPIENT');
    }
    const offCurve = c.slice();
    offCurve[10]! ^= 1;
    expect(code(() => sm2Decrypt(offCurve, destination.privateKey))).toBe('ENVELOPE_MALFORMED');
  });
});

describe('request and response envelopes', () => {
  it('round-trips a request and its response, with a fresh key and IV each time', () => {
    const a = sealRequest(secret, destination.publicKey, ctx);
    const b = sealRequest(secret, destination.publicKey, ctx);
    expect(a.envelope.key).not.toBe(b.envelope.key);
    expect(a.envelope.ct).not.toBe(b.envelope.ct);
    expect(Buffer.from(a.envelope.ct, 'base64').includes(Buffer.from('MARKER-42'))).toBe(false);
    const opened = openRequest(a.envelope, destination.privateKey, ctx);
    expect(opened.plaintext).toEqual(secret);
    expect(opened.contentKey).toEqual(a.contentKey);
    const answer = utf8('{"status":200,"body":{"diagnosis":"MARKER-43"}}');
    const res = sealResponse(answer, opened.contentKey, responseCtx);
    expect(res.key).toBeUndefined();
    expect(openResponse(res, a.contentKey, responseCtx)).toEqual(answer);
  });

  it('refuses a flipped byte in the wrapped key, IV, ciphertext or tag', () => {
    const { envelope } = sealRequest(secret, destination.publicKey, ctx);
    expect(code(() => openRequest(flip(envelope, 'key'), destination.privateKey, ctx))).toBe('ENVELOPE_WRONG_RECIPIENT');
    for (const field of ['iv', 'ct', 'tag'] as const) {
      expect(code(() => openRequest(flip(envelope, field), destination.privateKey, ctx))).toBe('ENVELOPE_AUTH_FAILED');
    }
  });

  it('refuses the envelope under any other associated data (swapped fields, another request or destination)', () => {
    const { envelope } = sealRequest(secret, destination.publicKey, ctx);
    const swaps: Partial<EnvelopeContext>[] = [
      { institution: 'H330300001' },
      { service: 'rx.review' },
      { requestId: '0199a0f0000070008000000000000002' },
      { origin: 'dd'.repeat(32) },
      { digest: 'ee'.repeat(32) },
      // Bytes moved between two length-prefixed fields.
      { institution: 'H330200001e', service: 'mr.query' },
    ];
    for (const swap of swaps) expect(code(() => openRequest(envelope, destination.privateKey, { ...ctx, ...swap }))).toBe('ENVELOPE_AUTH_FAILED');
    expect(code(() => openRequest(envelope, destination.privateKey, { ...ctx, direction: 'response' }))).toBe('ENVELOPE_MALFORMED');
    const response = sealResponse(utf8('{}'), sealRequest(secret, destination.publicKey, ctx).contentKey, responseCtx);
    expect(code(() => openResponse(response, new Uint8Array(32), responseCtx))).toBe('ENVELOPE_AUTH_FAILED');
  });

  it('cannot be opened by another recipient: replayed to another destination it is refused there', () => {
    const { envelope } = sealRequest(secret, destination.publicKey, ctx);
    expect(code(() => openRequest(envelope, other.privateKey, { ...ctx, institution: 'H330300001' }))).toBe('ENVELOPE_WRONG_RECIPIENT');
    expect(code(() => openRequest(envelope, other.privateKey, ctx))).toBe('ENVELOPE_WRONG_RECIPIENT');
  });

  it("binds the sealer: a node's own envelope to the same destination opens, but carries no valid origin signature", () => {
    const honest = sealRequest(secret, destination.publicKey, ctx).envelope;
    const signature = signEnvelope(honest, ctx, origin.privateKey);
    expect(verifyEnvelopeSignature(honest, ctx, signature, origin.publicKey)).toBe(true);
    // A routing node seals a body of its choice to the destination's public key under the same context.
    const swapped = sealRequest(utf8('{"method":"POST","path":"/emr/delete","body":{}}'), destination.publicKey, ctx).envelope;
    expect(code(() => openRequest(swapped, destination.privateKey, ctx))).toBe('opened');
    expect(verifyEnvelopeSignature(swapped, ctx, signature, origin.publicKey)).toBe(false);
    expect(verifyEnvelopeSignature(swapped, ctx, signEnvelope(swapped, ctx, other.privateKey), origin.publicKey)).toBe(false);
    // The signature covers the context as well: the same envelope under another destination is not signed.
    expect(verifyEnvelopeSignature(honest, { ...ctx, institution: 'H330300001' }, signature, origin.publicKey)).toBe(false);
    expect(verifyEnvelopeSignature(flip(honest, 'ct'), ctx, signature, origin.publicKey)).toBe(false);
    expect(verifyEnvelopeSignature(honest, ctx, 'zz', origin.publicKey)).toBe(false);
  });

  it('refuses malformed envelopes with a code, never a crash', () => {
    const { envelope } = sealRequest(secret, destination.publicKey, ctx);
    const bad: unknown[] = [null, { ...envelope, v: 2 }, { ...envelope, alg: 'sm4-ecb' }, { ...envelope, ct: '***' }, { ...envelope, iv: 'ab' }, { ...envelope, key: 'ab' }, { ...envelope, key: undefined }];
    for (const e of bad) expect(code(() => openRequest(e as Envelope, destination.privateKey, ctx))).toBe('ENVELOPE_MALFORMED');
    expect(code(() => associatedData({ ...ctx, requestId: 'xyz' }))).toBe('ENVELOPE_MALFORMED');
  });
});
