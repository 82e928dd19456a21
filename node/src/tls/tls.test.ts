import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeServer } from '../app.js';
import { nodeSettings } from '../config.js';
import { HttpClient, type TransportError } from '../http/client.js';
import { staticKeySource } from '../keys/key-source.js';
import { SIGNATURE_HEADER, SIGNER_HEADER, signBody } from '../peers/signed-body.js';
import { RoutingNode } from '../routing-node.js';
import { issueDeviceCertificate, openLocalCa, type LocalCa } from './local-ca.js';
import { loadTls, mutualTlsServerOptions, tlsPeerId, type TlsMaterial } from './tls-files.js';

const id = (code: string) => toHex(entityId(code));

/** A TLS client with the network CA as trust anchor and no certificate of its own. */
function withoutCertificate(ca: Buffer, method: string, url: string, body?: string): Promise<{ status: number; body: unknown } | { refused: string }> {
  return new Promise((resolve) => {
    const req = https.request(url, { method, ca, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ refused: e.code ?? e.message }));
    req.end(body);
  });
}

describe('mutual TLS on the links between devices', () => {
  let dir: string;
  let ca: LocalCa;
  let otherCa: LocalCa;
  const material = new Map<string, TlsMaterial>();
  let server: FastifyInstance;
  let url: string;
  const clients: HttpClient[] = [];
  const client = (m: TlsMaterial | undefined, plainHttp = false) => {
    const c = new HttpClient({ ...(m ? { tls: m } : {}), plainHttp });
    clients.push(c);
    return c;
  };
  const post = (c: HttpClient, to = url, peer?: string) =>
    c.post(`${to}/ping`, '{}', { timeoutMs: 5000, maxResponseBytes: 4096, ...(peer ? { peer } : {}) }).then(
      (a) => ({ status: a.status, body: JSON.parse(a.body.toString()) as unknown }),
      (e: TransportError) => ({ refused: e.kind, message: e.message }),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tls-'));
    ca = await openLocalCa(join(dir, 'ca'));
    otherCa = await openLocalCa(join(dir, 'other'), 'another CA');
    for (const code of ['RN-A', 'H330100001', 'RN-B']) material.set(code, await loadTls(await issueDeviceCertificate(ca, code)));
    material.set('stranger', await loadTls(await issueDeviceCertificate(otherCa, 'RN-A')));
    const day = 86_400_000;
    material.set('expired', await loadTls(await issueDeviceCertificate(ca, 'RN-X', { notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) }, join(dir, 'expired'))));
    server = Fastify({ https: mutualTlsServerOptions(material.get('RN-A')!) });
    server.post('/ping', async (request) => ({ peer: tlsPeerId(request.raw.socket) ?? null }));
    url = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a device with a certificate of the network CA gets through, and is known by its code', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await post(client(material.get('H330100001')), url, id('RN-A'))).toEqual({ status: 200, body: { peer: id('H330100001') } });
  });

  it('reuses a certificate still valid on the next start, and keys are private files', async () => {
    const again = await issueDeviceCertificate(await openLocalCa(join(dir, 'ca')), 'RN-A');
    expect((await loadTls(again)).cert.equals(material.get('RN-A')!.cert)).toBe(true);
    const { statSync } = await import('node:fs');
    expect(statSync(again.key).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'ca', 'ca-key.pem')).mode & 0o077).toBe(0);
  });

  it('refuses a client certificate from another CA, an expired one and none at all', async () => {
    for (const who of ['stranger', 'expired']) expect(await post(client(material.get(who)))).toMatchObject({ refused: expect.stringMatching(/connect|reset/) });
    expect(await withoutCertificate(material.get('RN-A')!.ca, 'POST', `${url}/ping`, '{}')).toMatchObject({ refused: expect.any(String) });
  });

  it('refuses a server that is not the device expected, or not from the network CA', async () => {
    // RN-A's server, reached by a client that expects RN-B there.
    expect(await post(client(material.get('H330100001')), url, id('RN-B'))).toMatchObject({ refused: 'connect', message: expect.stringMatching(/ERR_TLS_PEER_MISMATCH/) });
    const fake = Fastify({ https: mutualTlsServerOptions(material.get('stranger')!) });
    fake.post('/ping', async () => ({ ok: true }));
    const fakeUrl = await fake.listen({ host: '127.0.0.1', port: 0 });
    try {
      expect(await post(client(material.get('H330100001')), fakeUrl, id('RN-A'))).toMatchObject({ refused: 'connect' });
    } finally {
      await fake.close();
    }
  });

  it('plain http where TLS is required: the client will not send it, and the TLS listener does not answer it', async () => {
    const plainUrl = url.replace('https:', 'http:');
    expect(await post(client(material.get('H330100001')), plainUrl)).toMatchObject({ refused: 'connect', message: expect.stringMatching(/TLS required/) });
    // A plain client (development settings) talking to the TLS listener gets no HTTP answer.
    const plain = await post(client(undefined, true), plainUrl);
    expect('status' in plain && plain.status === 200).toBe(false);
  });

  it("a routing node over TLS: its link routes need a device certificate, its read-only and witness routes do not", async () => {
    const a = { id: id('RN-A'), ...generateSm2KeyPair() };
    const node = new RoutingNode({ settings: nodeSettings({ code: 'RN-A' }), signer: a, keys: staticKeySource([a]), client: client(material.get('RN-A')), witness: false });
    const app = await buildNodeServer(node, { logger: false, https: mutualTlsServerOptions(material.get('RN-A')!, false) } as never);
    const nodeUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const forward = async (c: HttpClient) => {
        const answer = await c.post(`${nodeUrl}/v1/forward`, '{}', { timeoutMs: 5000, maxResponseBytes: 4096 });
        return { status: answer.status, body: JSON.parse(answer.body.toString()) as unknown };
      };
      expect(await withoutCertificate(material.get('RN-A')!.ca, 'POST', `${nodeUrl}/v1/forward`, '{}')).toMatchObject({ status: 403, body: { code: 'TLS_CLIENT_CERT_REQUIRED' } });
      expect(await forward(client(material.get('expired')))).toMatchObject({ status: 403, body: { code: 'TLS_CLIENT_CERT_REQUIRED' } });
      // With a certificate, the request reaches the route (and is refused there for its body).
      expect(await forward(client(material.get('H330100001')))).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
      // A publication signed by a gateway, sent on another device's link: refused before anything else.
      const gw = { id: id('H330100001'), ...generateSm2KeyPair() };
      const pub = Buffer.from(JSON.stringify({ v: 1, gateway: gw.id, code: 'H330100001', node: a.id, url: 'https://127.0.0.1:9', session: 1, seq: 1, ts: Date.now(), ttlMs: 60_000, services: ['echo'] }));
      const headers = { [SIGNER_HEADER]: gw.id, [SIGNATURE_HEADER]: signBody(pub, gw.privateKey, gw.publicKey) };
      const relayed = await client(material.get('RN-B')).post(`${nodeUrl}/v1/publish`, pub, { timeoutMs: 5000, maxResponseBytes: 4096, headers });
      expect(relayed.status).toBe(403);
      expect(JSON.parse(relayed.body.toString())).toMatchObject({ code: 'PEER_SENDER_MISMATCH' });
      expect(await withoutCertificate(material.get('RN-A')!.ca, 'GET', `${nodeUrl}/healthz`)).toMatchObject({ status: 200 });
    } finally {
      await app.close();
    }
  });
});
