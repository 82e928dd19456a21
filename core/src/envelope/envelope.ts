import { concatBytes, fromHex, toHex, utf8 } from '../encoding/bytes.js';
import { sm3 } from '../hash/sm3.js';
import { sm2Sign, sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';
import { aeadOpen, aeadSeal, CONTENT_KEY_LENGTH, deriveKey, generateContentKey, TAG_LENGTH } from './aead.js';
import { EnvelopeError } from './errors.js';
import { sm2Decrypt, sm2Encrypt, SM2_CIPHERTEXT_OVERHEAD } from './sm2-encrypt.js';

/**
 * End-to-end envelopes for calls between institutions: the origin gateway
 * seals the request to the destination gateway's registered SM2 key, the
 * destination seals the response back under a key derived from the
 * request's. Routing nodes see the envelope and its context, never the
 * content. README.md beside this file says why the construction is sound.
 */
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_ALG = 'sm2-sm4cbc-hmacsm3';

/**
 * What travels in clear beside the envelope and is bound to it as associated
 * data: the routing fields (destination institution and service), the
 * request id, hop 0's signer and the digest the hops sign (spec section 7:
 * the request digest; for a response, the response hop's digest). Changing
 * any of them, or opening the envelope under another request's context,
 * fails authentication.
 */
export interface EnvelopeContext {
  direction: 'request' | 'response';
  /** Destination institution code. */
  institution: string;
  service: string;
  /** 16 bytes, hex: hop 0's request id. */
  requestId: string;
  /** 32 bytes, hex: hop 0's node, the calling gateway. */
  origin: string;
  /** 32 bytes, hex. */
  digest: string;
}

/** The envelope as JSON (hex, and base64 for the ciphertext). Every field is attacker-controlled when received. */
export interface Envelope {
  v: number;
  alg: string;
  /** SM2 ciphertext (C1 || C3 || C2) of the 32-byte content key; requests only. */
  key?: string;
  iv: string;
  ct: string;
  tag: string;
}

const DOMAIN = utf8('evidence-envelope/1');
const DIRECTION = { request: 1, response: 2 } as const;
const RESPONSE_LABEL = 'evidence-envelope/1 response';

/** The associated data: DOMAIN || 0 || direction || len || institution || len || service || requestId || origin || digest. */
export function associatedData(ctx: EnvelopeContext): Uint8Array {
  const direction = DIRECTION[ctx.direction];
  if (direction === undefined) throw new EnvelopeError('ENVELOPE_MALFORMED', 'direction is request or response');
  return concatBytes(
    DOMAIN,
    new Uint8Array([0, direction]),
    lengthPrefixed(ctx.institution, 'institution'),
    lengthPrefixed(ctx.service, 'service'),
    hex(ctx.requestId, 16, 'requestId'),
    hex(ctx.origin, 32, 'origin'),
    hex(ctx.digest, 32, 'digest'),
  );
}

/**
 * Seals a request with a fresh content key, wrapped by SM2 to the
 * destination's registered key. The origin keeps `contentKey` to open the
 * response (and forgets it afterwards).
 */
export function sealRequest(plaintext: Uint8Array, recipientPublicKey: string, ctx: EnvelopeContext): { envelope: Envelope; contentKey: Uint8Array } {
  requireDirection(ctx, 'request');
  const contentKey = generateContentKey();
  const wrapped = sm2Encrypt(contentKey, recipientPublicKey);
  const sealed = aeadSeal(contentKey, plaintext, header(wrapped), associatedData(ctx));
  return { envelope: toJson(sealed, wrapped), contentKey };
}

/** Opens a request sealed to `recipientPrivateKey` under exactly this context. */
export function openRequest(envelope: Envelope, recipientPrivateKey: string, ctx: EnvelopeContext): { plaintext: Uint8Array; contentKey: Uint8Array } {
  requireDirection(ctx, 'request');
  const parsed = fromJson(envelope);
  if (parsed.wrapped === undefined) throw new EnvelopeError('ENVELOPE_MALFORMED', 'a request envelope carries its wrapped key');
  const contentKey = sm2Decrypt(parsed.wrapped, recipientPrivateKey);
  if (contentKey.length !== CONTENT_KEY_LENGTH) throw new EnvelopeError('ENVELOPE_MALFORMED', 'the wrapped content key has the wrong length');
  return { plaintext: aeadOpen(contentKey, parsed.sealed, header(parsed.wrapped), associatedData(ctx)), contentKey };
}

/** Seals the response under a key derived from the request's content key: only the two gateways hold it. */
export function sealResponse(plaintext: Uint8Array, contentKey: Uint8Array, ctx: EnvelopeContext): Envelope {
  requireDirection(ctx, 'response');
  return toJson(aeadSeal(deriveKey(contentKey, RESPONSE_LABEL), plaintext, header(undefined), associatedData(ctx)), undefined);
}

export function openResponse(envelope: Envelope, contentKey: Uint8Array, ctx: EnvelopeContext): Uint8Array {
  requireDirection(ctx, 'response');
  const parsed = fromJson(envelope);
  if (parsed.wrapped !== undefined) throw new EnvelopeError('ENVELOPE_MALFORMED', 'a response envelope carries no wrapped key');
  return aeadOpen(deriveKey(contentKey, RESPONSE_LABEL), parsed.sealed, header(undefined), associatedData(ctx));
}

/**
 * What the sealing gateway signs with its registered SM2 key:
 * SM3(DOMAIN || "sig" || associated data || every envelope byte). Each
 * routing node and the receiving gateway verify it against the registered key
 * of the signer the hops name (hop 0's node for a request, the deliver hop's
 * for a response), so an envelope swapped on the way is refused by the next
 * honest receiver, which names the device that handed it over.
 */
export function envelopeSigningBytes(envelope: Envelope, ctx: EnvelopeContext): Uint8Array {
  const parsed = fromJson(envelope);
  return sm3(
    DOMAIN,
    utf8('\0sig\0'),
    associatedData(ctx),
    header(parsed.wrapped),
    parsed.sealed.iv,
    parsed.sealed.tag,
    parsed.sealed.ciphertext,
  );
}

export function signEnvelope(envelope: Envelope, ctx: EnvelopeContext, privateKey: string): string {
  return toHex(sm2Sign(envelopeSigningBytes(envelope, ctx), privateKey));
}

/** Never throws: a malformed envelope or signature is simply not valid. */
export function verifyEnvelopeSignature(envelope: Envelope, ctx: EnvelopeContext, signature: string, key: string | Sm2PreparedKey): boolean {
  try {
    return sm2Verify(envelopeSigningBytes(envelope, ctx), fromHex(signature, 64, 'signature'), key);
  } catch {
    return false;
  }
}

function header(wrapped: Uint8Array | undefined): Uint8Array {
  return concatBytes(new Uint8Array([ENVELOPE_VERSION]), utf8(ENVELOPE_ALG), new Uint8Array([0]), wrapped ?? new Uint8Array(0));
}

function toJson(sealed: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }, wrapped: Uint8Array | undefined): Envelope {
  const out: Envelope = { v: ENVELOPE_VERSION, alg: ENVELOPE_ALG, iv: toHex(sealed.iv), ct: Buffer.from(sealed.ciphertext).toString('base64'), tag: toHex(sealed.tag) };
  if (wrapped !== undefined) out.key = toHex(wrapped);
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fromJson(e: Envelope): { wrapped: Uint8Array | undefined; sealed: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array } } {
  if (typeof e !== 'object' || e === null) throw new EnvelopeError('ENVELOPE_MALFORMED', 'an envelope is an object');
  if (e.v !== ENVELOPE_VERSION || e.alg !== ENVELOPE_ALG) throw new EnvelopeError('ENVELOPE_MALFORMED', `envelope version ${ENVELOPE_VERSION}, ${ENVELOPE_ALG} only`);
  if (typeof e.ct !== 'string' || e.ct.length % 4 !== 0 || !BASE64.test(e.ct)) throw new EnvelopeError('ENVELOPE_MALFORMED', 'ct is base64');
  const wrapped = e.key === undefined ? undefined : hex(e.key, undefined, 'key');
  if (wrapped !== undefined && wrapped.length !== SM2_CIPHERTEXT_OVERHEAD + CONTENT_KEY_LENGTH) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'key is the SM2 ciphertext of a 32-byte content key');
  }
  return { wrapped, sealed: { iv: hex(e.iv, 16, 'iv'), ciphertext: new Uint8Array(Buffer.from(e.ct, 'base64')), tag: hex(e.tag, TAG_LENGTH, 'tag') } };
}

function hex(value: unknown, length: number | undefined, what: string): Uint8Array {
  try {
    return fromHex(value, length, what);
  } catch (e) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', (e as Error).message);
  }
}

function lengthPrefixed(value: string, what: string): Uint8Array {
  const bytes = utf8(value);
  if (typeof value !== 'string' || bytes.length > 255) throw new EnvelopeError('ENVELOPE_MALFORMED', `${what} is a string of at most 255 bytes`);
  return concatBytes(new Uint8Array([bytes.length]), bytes);
}

function requireDirection(ctx: EnvelopeContext, direction: EnvelopeContext['direction']): void {
  if (ctx.direction !== direction) throw new EnvelopeError('ENVELOPE_MALFORMED', `this is a ${direction} envelope`);
}
