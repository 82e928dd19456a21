import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInternalService, SUBJECT_HEADER } from './internal-service.js';
import type { PublishedService } from './config.js';

/** A small stand-in for a hospital's internal system: each path answers in its own way. */
const seen: { method: string; url: string; body: string; type?: string }[] = [];
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString(), ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}) });
    const path = req.url!;
    if (path.startsWith('/emr/json')) res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', [SUBJECT_HEADER]: '110105194912310021' }).end('{"entries":3}');
    else if (path.startsWith('/emr/text')) res.writeHead(201, { 'content-type': 'text/plain' }).end('accepted');
    else if (path.startsWith('/emr/empty')) res.writeHead(204).end();
    else if (path.startsWith('/emr/bad-json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"entries":');
    else if (path.startsWith('/emr/large')) res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
    else if (path.startsWith('/emr/slow')) setTimeout(() => res.writeHead(200).end('late'), 2_000).unref();
    else if (path.startsWith('/emr/cut')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.destroy(), 20).unref();
    } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
});

let base = '';
/** A coded refusal of the routing protocol (a RoutingError), its message matching `message` when given. */
const refused = (code: string, message?: RegExp) => ({ name: 'RoutingError', code, ...(message ? { message: expect.stringMatching(message) } : {}) });
const service = (path = '/emr'): PublishedService => ({ name: 'emr.query', url: `${base}${path}`, allow: '*', timeoutMs: 5_000 });

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('callInternalService', () => {
  it('passes method, path and JSON body on; parses a JSON answer and keeps the subject header for the evidence', async () => {
    const answer = await callInternalService(service(), { method: 'POST', path: '/json?scope=Observation', body: { patient: 'p-001' } }, 1 << 20);
    expect(answer).toEqual({ status: 200, body: { entries: 3 }, subjectId: '110105194912310021' });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/emr/json?scope=Observation', body: '{"patient":"p-001"}', type: 'application/json' });
  });

  it('sends no body with GET; a text answer stays text, an empty one has no body', async () => {
    expect(await callInternalService(service(), { method: 'GET', path: '/text', body: { ignored: true } }, 1 << 20)).toEqual({ status: 201, body: 'accepted' });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', body: '' });
    expect(await callInternalService(service(), { method: 'DELETE', path: '/empty' }, 1 << 20)).toEqual({ status: 204 });
    expect(await callInternalService(service(), { method: 'GET', path: '/nothing-here' }, 1 << 20)).toEqual({ status: 404, body: { error: 'not found' } });
  });

  it('refuses a path that leads outside the published service (dot segments, encoded or not) and tunnelling methods, before any call', async () => {
    const before = seen.length;
    for (const path of ['/../admin', '/json/../../admin', '/%2e%2e/admin', '/.%2E/admin']) {
      await expect(callInternalService(service(), { method: 'GET', path }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_FORBIDDEN'));
    }
    await expect(callInternalService(service(), { method: 'GET', path: '@evil.example/x' }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_FORBIDDEN'));
    // Nor may the caller's method open a tunnel to the internal host.
    for (const method of ['CONNECT', 'TRACE', 'UPGRADE']) {
      await expect(callInternalService(service(), { method, path: '/json' }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_FORBIDDEN'));
    }
    expect(seen.length).toBe(before);
    // Inside the base path, dot segments that stay inside are fine; a service published at the root takes any path.
    expect((await callInternalService(service(), { method: 'GET', path: '/text/../json' }, 1 << 20)).status).toBe(200);
    expect((await callInternalService(service(''), { method: 'GET', path: '/emr/text' }, 1 << 20)).status).toBe(201);
  });

  it('turns every failure of the service into REMOTE_SERVICE_UNAVAILABLE with the reason', async () => {
    await expect(callInternalService(service(), { method: 'GET', path: '/bad-json' }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_SERVICE_UNAVAILABLE', /invalid JSON/));
    await expect(callInternalService(service(), { method: 'GET', path: '/large' }, 1_000)).rejects.toMatchObject(refused('REMOTE_SERVICE_UNAVAILABLE', /more than 1000 bytes/));
    const started = Date.now();
    await expect(callInternalService(service(), { method: 'GET', path: '/slow' }, 1 << 20, 200)).rejects.toMatchObject(refused('REMOTE_SERVICE_UNAVAILABLE', /within 200 ms/));
    expect(Date.now() - started).toBeLessThan(1_500);
    await expect(callInternalService(service(), { method: 'GET', path: '/cut' }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_SERVICE_UNAVAILABLE', /broke off/));
    const closed = { ...service(), url: 'http://127.0.0.1:1/emr' };
    await expect(callInternalService(closed, { method: 'GET', path: '/json' }, 1 << 20)).rejects.toMatchObject(refused('REMOTE_SERVICE_UNAVAILABLE', /unreachable/));
  });
});
