/**
 * Limits before work (issue 27, finding 2 and the 431 of finding 8), attacked
 * the way it was found: a flood of requests with bad SM2 signatures, and huge
 * bulk bodies from a caller whose signature is bad or not yet checked. The
 * refusals come before the body is read: the test sends only the headers of
 * a 31 MB request and gets its answer.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '@evidence/core';
import { EXAMPLE_PAYLOADS, signedRequestHeaders, signRequest } from '@evidence/gateway';
import { baseEnv, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';
import { hasRedisServer, startRedis, type RedisServer } from '../support/redis.js';

const his = generateSm2KeyPair();
const forger = generateSm2KeyPair();
const event = { kind: 'payment', subject: { idNumber: '330102198001010011' }, payload: EXAMPLE_PAYLOADS.payment };
const FAILURES = 20;

const dir = tempDir('sec-limits-');
const clientsFile = `${dir.path}/clients.json`;
writeFileSync(clientsFile, JSON.stringify({ clients: [{ id: 'his', name: 'HIS', roles: ['recorder'], publicKey: his.publicKey }] }));
const env = (code: string, extra: Record<string, string> = {}) =>
  baseEnv(code, `${dir.path}/${code}`, { ANCHOR: 'none', CLIENTS_FILE: clientsFile, AUTH_FAILURE_MAX: String(FAILURES), BATCH_MAX_AGE_MS: '3600000', ...extra });

/** A signed POST sent from `localAddress` (another loopback address is another source). */
function post(url: string, path: string, body: string, headers: Record<string, string>, localAddress = '127.0.0.1'): Promise<{ status: number; body: { code?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as { code?: string; message?: string } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends only the head of a request over a raw socket; resolves with the answer and how many body bytes were sent. */
function headOnly(url: string, head: string, bodyBytesToTry: number, localAddress: string): Promise<{ status: number; text: string; sent: number; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress });
    let text = '';
    let sent = 0;
    socket.on('error', () => undefined);
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, sent, closed: true }));
    socket.setTimeout(10_000, () => reject(new Error(`no answer; got ${JSON.stringify(text)}`)));
    socket.write(head);
    // A little of the body, then nothing more: an answer must not wait for the rest.
    const chunk = Buffer.alloc(Math.min(bodyBytesToTry, 64 * 1024), 0x20);
    socket.write(chunk, () => (sent += chunk.length));
  });
}

describe('limits before work', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(env('HSEC0002'));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers a flood of bad signatures with 429s once the address spent its failures, and keeps serving others', async () => {
    const body = JSON.stringify(event);
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES * 3; i++) {
      const authorization = signRequest({ method: 'POST', path: '/v1/evidence', body, client: 'his', privateKey: forger.privateKey, publicKey: forger.publicKey });
      statuses.push((await post(gw.url, '/v1/evidence', body, { authorization })).status);
    }
    expect(statuses.slice(0, FAILURES).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(FAILURES).every((s) => s === 429)).toBe(true);
    // Even a good signature from the flooding address waits for the window; another address is served.
    const good = () => signedRequestHeaders({ method: 'POST', path: '/v1/evidence', body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    expect((await post(gw.url, '/v1/evidence', body, good())).status).toBe(429);
    const other = await post(gw.url, '/v1/evidence', body, good(), '127.0.0.2');
    expect(other.status).toBe(202);
  });

  it('refuses a 31 MB bulk body with a bad signature before reading it (the signed body digest header)', async () => {
    const size = 31 * 1024 * 1024;
    const authorization = signRequest({ method: 'POST', path: '/v1/evidence/batch', body: 'x', client: 'his', privateKey: forger.privateKey, publicKey: forger.publicKey });
    const head =
      `POST /v1/evidence/batch HTTP/1.1\r\nHost: 127.0.0.3\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n` +
      `Authorization: ${authorization}\r\nx-evidence-body-sm3: ${'ab'.repeat(32)}\r\n\r\n`;
    const r = await headOnly(gw.url, head, size, '127.0.0.3');
    expect(r.status).toBe(401);
    expect(r.text).toMatch(/"code":"AUTH_INVALID"/);
    expect(r.closed).toBe(true);
  });

  it('reads no more than UNVERIFIED_BODY_LIMIT of a signed body without the digest header', async () => {
    const size = 31 * 1024 * 1024;
    const authorization = signRequest({ method: 'POST', path: '/v1/evidence/batch', body: 'x', client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    const head = `POST /v1/evidence/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nAuthorization: ${authorization}\r\n\r\n`;
    const r = await headOnly(gw.url, head, size, '127.0.0.4');
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/"code":"BODY_TOO_LARGE".*x-evidence-body-sm3/);
    // The same client with the digest header: its 2 MB bulk is read and recorded.
    const items = Array.from({ length: 2000 }, (_, i) => ({ ...event, payload: { ...(event.payload as object), ext: { pad: 'x'.repeat(900), i } } }));
    const body = JSON.stringify({ items: items.slice(0, 2000) });
    expect(body.length).toBeGreaterThan(1_048_576);
    const headers = signedRequestHeaders({ method: 'POST', path: '/v1/evidence/batch', body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    expect((await post(gw.url, '/v1/evidence/batch', body, headers, '127.0.0.4')).status).toBe(202);
    // The same signed headers again: a replay, refused before the body (the nonce is claimed at onRequest).
    const replay = await post(gw.url, '/v1/evidence/batch', body, headers, '127.0.0.4');
    expect(replay).toMatchObject({ status: 401, body: { code: 'AUTH_REPLAY' } });
    // A body that is not the one the signed digest names is refused.
    const swapped = await post(gw.url, '/v1/evidence/batch', body.replace('"i":0', '"i":1'), signedRequestHeaders({ method: 'POST', path: '/v1/evidence/batch', body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey }), '127.0.0.4');
    expect(swapped).toMatchObject({ status: 401, body: { code: 'AUTH_INVALID' } });
  });

  it('answers huge headers with 431 { code, message }', async () => {
    const r = await headOnly(gw.url, `GET /v1/gateway HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 0, '127.0.0.5');
    expect(r.status).toBe(431);
    const json = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    expect(json).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
    expect(json.message).toMatch(/请求头过大/);
  });
});

describe.skipIf(!hasRedisServer())('limits across instances (REDIS_URL)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    dir.remove();
  });

  it('two instances of one gateway share one client budget', async () => {
    const shared = env('HSEC0003', { REDIS_URL: redis.url, RATE_LIMIT_MAX: '4' });
    const a = await startGateway(shared);
    const b = await startGateway({ ...shared, DATA_DIR: `${dir.path}/HSEC0003-b` });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? a : b).client.get('/v1/batches')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
