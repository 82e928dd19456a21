// End-to-end envelopes between gateways (SM2 key transport, SM4-CBC + HMAC-SM3).
export * from './envelope.js';
export { EnvelopeError, type EnvelopeErrorCode } from './errors.js';
export { sm2Encrypt, sm2Decrypt } from './sm2-encrypt.js';
