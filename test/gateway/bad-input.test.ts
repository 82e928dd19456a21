/**
 * The bad-input table: wrong kinds, oversize bodies, malformed JSON, bad
 * signatures, replays, unknown ids, wrong roles. Each is a clear 4xx with a
 * stable code and nothing is stored.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '@evidence/core';
import { EXAMPLE_PAYLOADS, signRequest, tokenDigest } from '@evidence/gateway';
import { baseEnv, startGateway, tempDir, type RunningGateway } from './support/gateway.js';
import type { Gateway } from '@evidence/gateway';

const his = generateSm2KeyPair();
const court = generateSm2KeyPair();
const stranger = generateSm2KeyPair();
const INSURER_TOKEN = 'insurer-token-for-tests-0001';
const RECORDER_TOKEN = 'recorder-token-for-tests-001';
const ADMIN_TOKEN = 'admin-token-for-tests-000001';

const good = { kind: 'payment', subject: { idNumber: '330102198001010011' }, payload: EXAMPLE_PAYLOADS.payment };

interface Row {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Build the request at run time (signatures need the URL). */
  auth?: 'none' | 'dev' | 'insurer' | 'recorder' | ((method: string, path: string, body: string) => string);
  status: number;
  code: string;
  message?: RegExp;
}

const sm2 = (client: string, key: { privateKey: string; publicKey: string }, o: { ts?: number; nonce?: string; bodyOverride?: string } = {}) =>
  (method: string, path: string, body: string) =>
    signRequest({ method, path, body: o.bodyOverride ?? body, client, privateKey: key.privateKey, publicKey: key.publicKey, ts: o.ts, nonce: o.nonce });

const rows: Row[] = [
  { name: 'unknown kind', body: { ...good, kind: 'x-ray' }, status: 400, code: 'VALIDATION_FAILED', message: /body\/kind/ },
  { name: 'kind given as a number', body: { ...good, kind: 8 }, status: 400, code: 'VALIDATION_FAILED', message: /body\/kind/ },
  { name: 'missing payload', body: { kind: 'payment', subject: good.subject }, status: 400, code: 'VALIDATION_FAILED', message: /body\/payload/ },
  { name: 'payload of another kind', body: { ...good, payload: EXAMPLE_PAYLOADS.consent }, status: 400, code: 'PAYLOAD_INVALID', message: /body\/payload/ },
  { name: 'payload field of the wrong type', body: { ...good, payload: { ...(EXAMPLE_PAYLOADS.payment as object), amount: 36.5 } }, status: 400, code: 'PAYLOAD_INVALID', message: /body\/payload\/amount/ },
  { name: 'unknown top-level field', body: { ...good, patientName: '张三' }, status: 400, code: 'VALIDATION_FAILED', message: /patientName/ },
  { name: 'missing subject', body: { kind: 'payment', payload: good.payload }, status: 400, code: 'VALIDATION_FAILED', message: /subject/ },
  { name: 'subject with both forms', body: { ...good, subject: { idNumber: '1', pseudonym: 'ab'.repeat(32) } }, status: 400, code: 'VALIDATION_FAILED', message: /body\/subject/ },
  { name: 'uppercase pseudonym', body: { ...good, subject: { pseudonym: 'AB'.repeat(32) } }, status: 400, code: 'VALIDATION_FAILED', message: /body\/subject/ },
  { name: 'negative occurredAt', body: { ...good, occurredAt: -1 }, status: 400, code: 'VALIDATION_FAILED', message: /body\/occurredAt/ },
  { name: 'occurredAt as a string', body: { ...good, occurredAt: '2025-01-01' }, status: 400, code: 'VALIDATION_FAILED', message: /body\/occurredAt/ },
  { name: 'malformed JSON', body: '{"kind": "payment",', status: 400, code: 'BAD_JSON' },
  { name: 'empty JSON body', body: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'BAD_JSON' },
  { name: 'prototype pollution attempt', body: '{"kind":"payment","subject":{"idNumber":"1"},"payload":{},"__proto__":{"admin":true}}', status: 400, code: 'BAD_JSON' },
  { name: 'not JSON at all', body: 'kind=payment', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversize body', body: { ...good, payload: { ...(good.payload as object), ext: { blob: 'x'.repeat(10_000) } } }, status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'oversize bulk body', path: '/v1/evidence/batch', body: { items: Array.from({ length: 20 }, () => ({ ...good, payload: { ...(good.payload as object), ext: { blob: 'x'.repeat(4_000) } } })) }, status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'bulk: malformed JSON', path: '/v1/evidence/batch', body: '{"items": [', status: 400, code: 'BAD_JSON' },
  { name: 'bulk: empty JSON body', path: '/v1/evidence/batch', body: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'BAD_JSON' },
  { name: 'bulk: prototype pollution attempt', path: '/v1/evidence/batch', body: '{"items":[],"__proto__":{"admin":true}}', status: 400, code: 'BAD_JSON' },
  { name: 'bulk: SM2 signature over another body', path: '/v1/evidence/batch', auth: sm2('his', his, { bodyOverride: JSON.stringify({ items: [good, good] }) }), body: { items: [good] }, status: 401, code: 'AUTH_INVALID' },
  { name: 'bulk over the item limit', path: '/v1/evidence/batch', body: { items: Array.from({ length: 21 }, () => good) }, status: 400, code: 'VALIDATION_FAILED', message: /body\/items/ },
  { name: 'bulk with one bad item', path: '/v1/evidence/batch', body: { items: [good, good, good, { ...good, payload: {} }] }, status: 400, code: 'PAYLOAD_INVALID', message: /body\/items\/3\/payload/ },
  { name: 'empty bulk', path: '/v1/evidence/batch', body: { items: [] }, status: 400, code: 'VALIDATION_FAILED', message: /body\/items/ },
  { name: 'no Authorization', auth: 'none', body: good, status: 401, code: 'AUTH_MISSING' },
  { name: 'unknown bearer token', auth: 'none', headers: { authorization: 'Bearer nobody-knows-this-token' }, body: good, status: 401, code: 'AUTH_INVALID' },
  { name: 'unknown scheme', auth: 'none', headers: { authorization: 'Basic aGlzOnNlY3JldA==' }, body: good, status: 401, code: 'AUTH_INVALID' },
  { name: 'malformed SM2 header', auth: () => 'EVIDENCE-SM2 client="his", sig="00"', body: good, status: 401, code: 'AUTH_INVALID', message: /malformed/ },
  { name: 'SM2 signature by another key', auth: sm2('his', stranger), body: good, status: 401, code: 'AUTH_INVALID', message: /does not verify/ },
  { name: 'SM2 signature over another body (tampered in transit)', auth: sm2('his', his, { bodyOverride: JSON.stringify({ ...good, occurredAt: 1 }) }), body: good, status: 401, code: 'AUTH_INVALID' },
  { name: 'SM2 request from an unknown client', auth: sm2('ghost', stranger), body: good, status: 401, code: 'AUTH_INVALID', message: /unknown client/ },
  { name: 'SM2 timestamp outside the window', auth: sm2('his', his, { ts: Date.now() - 10 * 60_000 }), body: good, status: 401, code: 'AUTH_EXPIRED' },
  { name: 'insurer may not record', auth: 'insurer', body: good, status: 403, code: 'AUTH_FORBIDDEN' },
  { name: 'court may not record', auth: sm2('court', court), body: good, status: 403, code: 'AUTH_FORBIDDEN' },
  { name: 'recorder may not list batches', auth: 'recorder', method: 'GET', path: '/v1/batches', status: 403, code: 'AUTH_FORBIDDEN' },
  { name: 'insurer may not erase', auth: 'insurer', method: 'DELETE', path: `/v1/evidence/${'0'.repeat(32)}/payload`, status: 403, code: 'AUTH_FORBIDDEN' },
  { name: 'unknown evidence id', method: 'GET', path: `/v1/evidence/${'0'.repeat(32)}`, status: 404, code: 'EVIDENCE_NOT_FOUND' },
  { name: 'malformed evidence id', method: 'GET', path: '/v1/evidence/not-an-id', status: 404, code: 'EVIDENCE_NOT_FOUND' },
  { name: 'proof of an unknown id', method: 'GET', path: `/v1/evidence/${'1'.repeat(32)}/proof`, status: 404, code: 'EVIDENCE_NOT_FOUND' },
  { name: 'erasure of an unknown id', auth: 'dev', method: 'DELETE', path: `/v1/evidence/${'2'.repeat(32)}/payload`, status: 404, code: 'EVIDENCE_NOT_FOUND' },
  { name: 'unknown disclose value', method: 'GET', path: `/v1/evidence/${'1'.repeat(32)}/proof?disclose=yes`, status: 400, code: 'VALIDATION_FAILED', message: /disclose/ },
  { name: 'unknown batch', method: 'GET', path: '/v1/batches/99', status: 404, code: 'BATCH_NOT_FOUND' },
  { name: 'batch seq that is not a number', method: 'GET', path: '/v1/batches/-1', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing', status: 404, code: 'NOT_FOUND' },
  { name: 'subscription to a non-http URL', path: '/v1/subscriptions', body: { url: 'file:///etc/passwd' }, status: 400, code: 'VALIDATION_FAILED', message: /url/ },
  { name: 'subscription to an unknown kind', path: '/v1/subscriptions', body: { url: 'http://127.0.0.1:9/x', kinds: ['x-ray'] }, status: 400, code: 'VALIDATION_FAILED', message: /kinds/ },
  { name: 'deleting an unknown subscription', method: 'DELETE', path: '/v1/subscriptions/nope', status: 404, code: 'SUBSCRIPTION_NOT_FOUND' },
];

describe('bad input: each a clear 4xx with a code, nothing stored', () => {
  const dir = tempDir('gw-bad-');
  let gw: RunningGateway & { gateway: Gateway };

  beforeAll(async () => {
    const clientsFile = `${dir.path}/clients.json`;
    writeFileSync(
      clientsFile,
      JSON.stringify({
        clients: [
          { id: 'his', name: 'HIS', roles: ['recorder'], publicKey: his.publicKey },
          { id: 'court', name: '法院', roles: ['court'], publicKey: court.publicKey },
          { id: 'insurer', name: 'Insurer', roles: ['insurer'], tokenSm3: tokenDigest(INSURER_TOKEN) },
          { id: 'pharmacy', name: 'Pharmacy', roles: ['recorder'], tokenSm3: tokenDigest(RECORDER_TOKEN) },
          { id: 'ops', name: 'Ops', roles: ['admin'], tokenSm3: tokenDigest(ADMIN_TOKEN) },
        ],
      }),
    );
    gw = await startGateway(
      baseEnv('HBAD0001', `${dir.path}/data`, { ANCHOR: 'none', CLIENTS_FILE: clientsFile, BODY_LIMIT: '4096', BULK_BODY_LIMIT: '65536', BULK_MAX_ITEMS: '20', BATCH_MAX_AGE_MS: '3600000' }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    dir.remove();
  });

  async function send(row: Row): Promise<{ status: number; body: { code?: string; message?: string }; type: string | null }> {
    const method = row.method ?? 'POST';
    const path = row.path ?? '/v1/evidence';
    const body = row.body === undefined ? undefined : typeof row.body === 'string' ? row.body : JSON.stringify(row.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const auth = row.auth ?? 'dev';
    if (auth === 'dev') headers.authorization = 'Bearer test-dev-token-with-every-role';
    else if (auth === 'insurer') headers.authorization = `Bearer ${INSURER_TOKEN}`;
    else if (auth === 'recorder') headers.authorization = `Bearer ${RECORDER_TOKEN}`;
    else if (typeof auth === 'function') headers.authorization = auth(method, path, body ?? '');
    Object.assign(headers, row.headers);
    const res = await fetch(gw.url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as { code?: string; message?: string }) : {}, type: res.headers.get('content-type') };
  }

  it.each(rows)('$name → $status $code', async (row) => {
    const r = await send(row);
    expect({ status: r.status, code: r.body.code }).toEqual({ status: row.status, code: row.code });
    expect(r.type).toMatch(/application\/json/);
    expect(typeof r.body.message).toBe('string');
    if (row.message) expect(r.body.message).toMatch(row.message);
  });

  it('stored nothing for any of them', async () => {
    expect(await gw.gateway.store.pending()).toEqual([]);
    expect(await gw.gateway.store.head()).toBeNull();
    expect(await gw.gateway.store.listSubscriptions()).toEqual([]);
  });

  it('accepts a correctly signed SM2 request once and refuses its replay', async () => {
    const path = '/v1/evidence';
    const body = JSON.stringify(good);
    const authorization = signRequest({ method: 'POST', path, body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    const first = await fetch(gw.url + path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    expect(first.status).toBe(202);
    const replay = await fetch(gw.url + path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'AUTH_REPLAY' });
    expect((await gw.gateway.store.pending()).length).toBe(1);
  });

  it('verifies the signature of a bulk feed over its bytes as received, multi-byte text included', async () => {
    const path = '/v1/evidence/batch';
    const prescription = { kind: 'prescription', subject: good.subject, payload: EXAMPLE_PAYLOADS.prescription };
    const body = JSON.stringify({ items: [prescription, good] });
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length); // Chinese text: more bytes than characters
    const authorization = signRequest({ method: 'POST', path, body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    const res = await fetch(gw.url + path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ count: 2 });
    expect((await gw.gateway.store.pending()).length).toBe(3);
  });

  it('refuses a replay after a restart too (nonces are durable)', async () => {
    const path = '/v1/batches';
    const authorization = signRequest({ method: 'GET', path, client: 'court', privateKey: court.privateKey, publicKey: court.publicKey });
    expect((await fetch(gw.url + path, { headers: { authorization } })).status).toBe(200);
    await gw.close();
    gw = await startGateway(baseEnv('HBAD0001', `${dir.path}/data`, { ANCHOR: 'none', CLIENTS_FILE: `${dir.path}/clients.json`, BATCH_MAX_AGE_MS: '3600000' }));
    const replay = await fetch(gw.url + path, { headers: { authorization } });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'AUTH_REPLAY' });
  });

  it('answers a pending proof with 409 and Retry-After, a reused idempotency key with other content with 409', async () => {
    const r = await gw.client.post<{ id: string }>('/v1/evidence', { ...good, idempotencyKey: 'pay-1' });
    expect(r.status).toBe(202);
    const pending = await gw.client.proof(r.body.id);
    expect(pending.status).toBe(409);
    expect(pending.body).toMatchObject({ code: 'PROOF_PENDING' });
    expect(Number(pending.headers.get('retry-after'))).toBeGreaterThan(0);
    const again = await gw.client.post('/v1/evidence', { ...good, idempotencyKey: 'pay-1' });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: r.body.id, duplicate: true });
    const conflict = await gw.client.post('/v1/evidence', { ...good, occurredAt: 5, idempotencyKey: 'pay-1' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('limits each client to its rate, per client', async () => {
    const limited = await startGateway(baseEnv('HBAD0002', `${dir.path}/limited`, { ANCHOR: 'none', RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.client.get('/v1/batches')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const r = await limited.client.get('/v1/batches');
      expect(r.body).toMatchObject({ code: 'RATE_LIMITED' });
      // Health and metrics stay reachable for the operator.
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
