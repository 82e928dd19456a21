import { describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '@evidence/core';
import { parseSignedAuth, signRequest, verifySignedAuth } from './request-signature.js';
import { allows, ROLES } from './roles.js';

const keys = generateSm2KeyPair();
const other = generateSm2KeyPair();
const body = JSON.stringify({ kind: 'payment', payload: { amount: '1.00' } });
const header = signRequest({ method: 'POST', path: '/v1/evidence?x=1', body, client: 'his', privateKey: keys.privateKey, ts: 1_700_000_000_000, nonce: 'ab'.repeat(16) });

describe('SM2 request signatures', () => {
  it('verifies what was signed', () => {
    const auth = parseSignedAuth(header)!;
    expect(auth).toMatchObject({ client: 'his', ts: 1_700_000_000_000, nonce: 'ab'.repeat(16) });
    expect(verifySignedAuth(auth, 'POST', '/v1/evidence?x=1', body, keys.publicKey)).toBe(true);
  });

  it.each([
    ['another method', 'PUT', '/v1/evidence?x=1', body],
    ['another path', 'POST', '/v1/evidence', body],
    ['another query', 'POST', '/v1/evidence?x=2', body],
    ['another body', 'POST', '/v1/evidence?x=1', body.replace('1.00', '9.00')],
  ])('fails for %s', (_why, method, path, b) => {
    expect(verifySignedAuth(parseSignedAuth(header)!, method, path, b, keys.publicKey)).toBe(false);
  });

  it('fails for another key, another claimed client, time or nonce', () => {
    const auth = parseSignedAuth(header)!;
    expect(verifySignedAuth(auth, 'POST', '/v1/evidence?x=1', body, other.publicKey)).toBe(false);
    expect(verifySignedAuth({ ...auth, client: 'pharmacy' }, 'POST', '/v1/evidence?x=1', body, keys.publicKey)).toBe(false);
    expect(verifySignedAuth({ ...auth, ts: auth.ts + 1 }, 'POST', '/v1/evidence?x=1', body, keys.publicKey)).toBe(false);
    expect(verifySignedAuth({ ...auth, nonce: 'cd'.repeat(16) }, 'POST', '/v1/evidence?x=1', body, keys.publicKey)).toBe(false);
  });

  it.each([
    'Bearer abc',
    'EVIDENCE-SM2 client="his"',
    'EVIDENCE-SM2 client="his", ts="soon", nonce="abababababababab", sig="' + '00'.repeat(64) + '"',
    'EVIDENCE-SM2 client="his", ts="1", nonce="short", sig="' + '00'.repeat(64) + '"',
    'EVIDENCE-SM2 client="his", ts="1", nonce="abababababababab", sig="00"',
  ])('refuses the malformed header %s', (h) => {
    expect(parseSignedAuth(h)).toBeNull();
  });
});

describe('roles', () => {
  it('lets recorders record but not disclose or erase; disclosure for disclosers and courts only', () => {
    expect(allows(['recorder'], 'evidence:write')).toBe(true);
    expect(allows(['recorder'], 'payload:disclose')).toBe(false);
    expect(allows(['insurer'], 'evidence:write')).toBe(false);
    expect(allows(['insurer'], 'proof:read')).toBe(true);
    expect(allows(['court'], 'payload:disclose')).toBe(true);
    expect(allows(['discloser'], 'payload:disclose')).toBe(true);
    expect(allows(['auditor'], 'payload:erase')).toBe(false);
    expect(allows(['admin'], 'payload:erase')).toBe(true);
    expect(allows([...ROLES], 'evidence:write')).toBe(true);
  });
});
