import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from './webhook-post.js';
import { addressClass, checkWebhookUrl, resolveTarget } from './webhook-target.js';

const none = { allow: [] };
const code = async (p: Promise<unknown>) => (await p.then(() => null, (e: { code?: string }) => e)) as { code?: string; message?: string } | null;
const fixed = (...addresses: string[]) => async () => addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));

describe('webhook targets', () => {
  it.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://2130706433/', 'loopback'],
    ['https://0177.0.0.1/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://[fd00:ec2::254]/', 'uniqueLocal'],
    ['https://10.1.2.3/', 'private'],
    ['https://192.168.0.1/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://100.64.0.1/', 'carrierGradeNat'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[2002:7f00:1::]/', '6to4'],
    ['https://[64:ff9b::7f00:1]/', 'rfc6052'],
    ['https://[fe80::1]/', 'linkLocal'],
    ['https://224.0.0.1/', 'multicast'],
  ])('refuses %s (%s) in every spelling', async (url, kind) => {
    const e = await code(resolveTarget(checkWebhookUrl(url, none), none));
    expect(e?.code).toBe('WEBHOOK_URL_REFUSED');
    expect(e?.message).toContain(`(${kind})`);
  });

  it('refuses http, other schemes and credentials; http only for allowed hosts', () => {
    expect(() => checkWebhookUrl('http://example.org/hook', none)).toThrow(/https/);
    expect(() => checkWebhookUrl('ftp://example.org/hook', none)).toThrow(/scheme/);
    expect(() => checkWebhookUrl('https://user:pass@example.org/hook', none)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('https://user@example.org/hook', none)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('not a url', none)).toThrow(/not a URL/);
    expect(checkWebhookUrl('http://receiver.internal:8080/hook', { allow: ['receiver.internal'] }).host).toBe('receiver.internal:8080');
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', { allow: ['127.0.0.0/8'] }).hostname).toBe('127.0.0.1');
  });

  it('refuses a name that resolves to any internal address, unless the operator allows it', async () => {
    const url = checkWebhookUrl('https://hooks.insurer.example/x', none);
    expect((await code(resolveTarget(url, none, fixed('93.184.216.34', '10.0.0.8'))))?.code).toBe('WEBHOOK_URL_REFUSED');
    expect((await code(resolveTarget(url, none, fixed('::ffff:169.254.169.254'))))?.code).toBe('WEBHOOK_URL_REFUSED');
    expect((await resolveTarget(url, none, fixed('93.184.216.34'))).addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect((await resolveTarget(url, { allow: ['10.0.0.0/8'] }, fixed('10.0.0.8'))).addresses[0]!.address).toBe('10.0.0.8');
    expect((await resolveTarget(url, { allow: ['hooks.insurer.example'] }, fixed('10.0.0.8'))).addresses[0]!.address).toBe('10.0.0.8');
    expect(addressClass('8.8.8.8')).toBe('unicast');
  });
});

describe('webhook POST', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('connects to the address it checked, never resolving the name again (no DNS rebinding)', async () => {
    let resolutions = 0;
    const once = async () => {
      resolutions++;
      return [{ address: '127.0.0.1', family: 4 as const }];
    };
    // The name exists only in this resolver: the socket can reach the listener only through the checked address.
    const answer = await postWebhook(`http://rebind.invalid:${port}/hook`, {}, '{}', { policy: { allow: ['rebind.invalid'] }, timeoutMs: 5000, maxResponseBytes: 1024, resolve: once });
    expect(answer.status).toBe(200);
    expect(resolutions).toBe(1);
    expect(seen).toContain(`rebind.invalid:${port} /hook`);
    // The same name resolving to the loopback address without the operator's allowance is refused before connecting.
    const before = seen.length;
    expect((await code(postWebhook(`https://rebind.invalid:${port}/hook`, {}, '{}', { policy: none, timeoutMs: 5000, maxResponseBytes: 1024, resolve: once })))?.code).toBe('WEBHOOK_URL_REFUSED');
    expect(seen.length).toBe(before);
  });
});
