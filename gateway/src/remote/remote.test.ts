import { entityId, generateSm2KeyPair, HOP_TYPE, requestDigest, responseDigest, toHex, uuidv7 } from '@evidence/core';
import { appendHop, originHop, ZERO_ID } from '@evidence/node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertPayload } from '../evidence/kinds/index.js';
import { parseRemoteConfig, remoteSettings } from './config.js';
import { hopTraceEvidence, NO_SUBJECT, recordAccessEvidence } from './evidence.js';
import { SeenRequests } from './replay.js';

const base = {
  node: { code: 'RN-ZJ-01', url: 'http://127.0.0.1:7101/' },
  allowPlainHttp: true,
  services: [
    { name: 'emr.query', url: 'http://127.0.0.1:9001/emr/', allow: ['H330100002'], kind: 'record-access' },
    { name: 'echo', url: 'http://127.0.0.1:9001/echo', allow: '*' },
  ],
};

describe('remote config', () => {
  it('resolves the node id, trims URLs, keys allow-lists by institution id and fills limits', () => {
    const s = remoteSettings(parseRemoteConfig(base));
    expect(s.node).toEqual({ id: toHex(entityId('RN-ZJ-01')), url: 'http://127.0.0.1:7101' });
    const emr = s.services.get('emr.query')!;
    expect(emr.url).toBe('http://127.0.0.1:9001/emr');
    expect(emr.allow).toEqual(new Map([[toHex(entityId('H330100002')), 'H330100002']]));
    expect(emr.kind).toBe('record-access');
    expect(s.services.get('echo')!.allow).toBe('*');
    expect(s.limits).toMatchObject({ maxHops: 16, maxAgeMs: 300_000 });
  });

  it('refuses what it cannot honour, with BAD_REQUEST naming the field', () => {
    const bad: [string, unknown][] = [
      ['unknown field', { ...base, extra: 1 }],
      ['service name with a slash', { ...base, services: [{ ...base.services[1], name: 'a/b' }] }],
      ['non-http service', { ...base, services: [{ ...base.services[1], url: 'ftp://x' }] }],
      ['no node', { services: [] }],
    ];
    for (const [why, input] of bad) expect(() => parseRemoteConfig(input), why).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => remoteSettings(parseRemoteConfig({ ...base, services: [base.services[1], base.services[1]] }))).toThrow(/listed twice/);
    // Only kinds whose payload the call itself determines can be recorded automatically.
    expect(() => remoteSettings(parseRemoteConfig({ ...base, services: [{ ...base.services[1], kind: 'prescription' }] }))).toThrow(/kind must be one of record-access/);
    expect(() => remoteSettings(parseRemoteConfig({ ...base, node: { url: 'http://x' } }))).toThrow(/needs a code or an id/);
  });

  it('requires mutual TLS on the links unless plain http is allowed for development, and envelopes unless both say so', () => {
    const { allowPlainHttp: _, ...noTls } = base;
    expect(() => remoteSettings(parseRemoteConfig(noTls))).toThrow(/tls \{ ca, cert, key \} is required/);
    const tls = { ca: 'ca.pem', cert: 'gw.pem', key: 'gw-key.pem' };
    const s = remoteSettings(parseRemoteConfig({ ...noTls, node: { code: 'RN-ZJ-01', url: 'https://127.0.0.1:7101' }, tls }));
    expect(s).toMatchObject({ tls, allowPlainHttp: false, seal: true, network: { host: '127.0.0.1', port: 0 } });
    expect(() => remoteSettings(parseRemoteConfig({ ...noTls, tls, seal: false }))).toThrow(/development only/);
    expect(remoteSettings(parseRemoteConfig({ ...base, seal: false })).seal).toBe(false);
  });
});

describe('evidence of a remote call', () => {
  const gw = { id: toHex(entityId('H330100002')), ...generateSm2KeyPair() };
  const node = { id: toHex(entityId('RN-ZJ-01')), ...generateSm2KeyPair() };
  const dest = { id: toHex(entityId('H330100001')), ...generateSm2KeyPair() };
  const request = { method: 'POST', path: '/query', body: { patient: 'p-001' } };
  const digest = toHex(requestDigest(request.method, request.path, request.body));
  const hops = [originHop(gw, toHex(uuidv7()), node.id, digest)];
  hops.push(appendHop(node, hops, '11'.repeat(32), HOP_TYPE.forward, dest.id, digest));
  hops.push(appendHop(dest, hops, '22'.repeat(32), HOP_TYPE.deliver, ZERO_ID, digest));
  const resDigest = toHex(responseDigest(200, request.path, { entries: 1 }));
  hops.push(appendHop(dest, hops, '33'.repeat(32), HOP_TYPE.response, ZERO_ID, resDigest));
  const facts = {
    requestId: hops[0]!.requestId,
    role: 'destination' as const,
    caller: 'H330100002',
    destination: { institution: 'H330100001', service: 'emr.query' },
    request,
    requestDigest: digest,
    status: 200,
    responseDigest: resDigest,
    hops,
  };

  it('builds a hop-trace payload the gateway accepts (kind 11), without the bodies', () => {
    const e = hopTraceEvidence(facts, NO_SUBJECT);
    expect(e).toMatchObject({ kind: 'hop-trace', idempotencyKey: `hop-trace:destination:${facts.requestId}`, occurredAt: hops[0]!.ts });
    expect(() => assertPayload('hop-trace', e.payload)).not.toThrow();
    expect(JSON.stringify(e.payload)).not.toContain('p-001');
  });

  it('builds a FHIR AuditEvent the gateway accepts as record-access (kind 6)', () => {
    for (const [method, status, action, outcome] of [
      ['GET', 200, 'R', '0'],
      ['POST', 403, 'E', '4'],
      ['DELETE', 502, 'D', '8'],
    ] as const) {
      const e = recordAccessEvidence({ ...facts, request: { ...request, method }, status }, 'H330100001', 1763800200000, { idNumber: '330102199001011234' });
      expect(e.payload).toMatchObject({ action, outcome, recorded: '2025-11-22T08:30:00.000Z' });
      expect(() => assertPayload('record-access', e.payload)).not.toThrow();
    }
  });
});

describe('SeenRequests', () => {
  const a = 'aa'.repeat(16);
  const b = 'bb'.repeat(16);

  it('admits a request id once within its window, again after it', async () => {
    const seen = SeenRequests.inMemory(1000);
    expect(await seen.claim(a, 0)).toBe(true);
    expect(await seen.claim(a, 999)).toBe(false);
    expect(await seen.claim(b, 999)).toBe(true);
    expect(await seen.claim(a, 1000)).toBe(true);
  });

  it('keeps its window across a restart when kept in a file, and forgets what expired', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seen-'));
    try {
      const file = join(dir, 'remote', 'delivered.log');
      const now = Date.now();
      const first = await SeenRequests.open(60_000, file, now);
      expect(await first.claim(a, now)).toBe(true);
      expect(await first.claim(b, now - 59_000)).toBe(true);
      // Two claims of one id at once: only one passes.
      const c = 'cc'.repeat(16);
      expect(await Promise.all([first.claim(c, now), first.claim(c, now)])).toEqual([true, false]);
      await first.close();
      // A torn last line (a crash mid-append) is ignored.
      await import('node:fs/promises').then((fs) => fs.appendFile(file, 'dd'.repeat(16) + ' 9'));
      const second = await SeenRequests.open(60_000, file, now + 2_000);
      expect(await second.claim(a, now + 2_000)).toBe(false);
      expect(await second.claim(c, now + 2_000)).toBe(false);
      // b's window had ended by the restart.
      expect(await second.claim(b, now + 2_000)).toBe(true);
      await second.close();
      expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
