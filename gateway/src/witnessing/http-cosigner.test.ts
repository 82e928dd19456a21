import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCosigner, readAnswer } from './http-cosigner.js';
import type { CosignRequest } from './port.js';
import type { WitnessEndpoint } from './settings.js';

const request: CosignRequest = {
  checkpoint: { gateway: '11'.repeat(32), alg: 'keccak256', size: 3, root: '22'.repeat(32), ts: 1_700_000_000_000 },
  signature: { alg: 'sm2', publicKey: '04' + '33'.repeat(64), value: '44'.repeat(64) },
  from: 1,
  proof: ['55'.repeat(32)],
};

/** Answers by the first path segment: /ok/v1/witness/cosign, /hang/..., one behaviour per witness base URL. */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const received: { url: string; method: string; type: string; body: string }[] = [];
const handlers: Record<string, Handler> = {
  ok: (_q, res) => json(res, 200, { cosignature: { witness: 'w', ts: 1, publicKey: 'k', value: 'v' } }),
  base: (_q, res) => json(res, 409, { code: 'WITNESS_WRONG_BASE', message: 'from 1 is not my last', size: 2 }),
  basebad: (_q, res) => json(res, 409, { code: 'WITNESS_WRONG_BASE', message: 'x', size: -1 }),
  key: (_q, res) => json(res, 403, { code: 'WITNESS_WRONG_KEY', message: 'not the registered key\nsecond line' }),
  odd: (_q, res) => json(res, 400, { code: 'WITNESS_MADE_UP_CODE', message: 'hello' }),
  html: (_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>'),
  redirect: (_q, res) => res.writeHead(307, { location: '/ok/v1/witness/cosign' }).end(),
  huge: (_q, res) => json(res, 200, { cosignature: 'x'.repeat(100_000) }),
  hang: () => undefined,
};

let server: Server;
let base: string;
const sockets = new Set<import('node:net').Socket>();
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', method: req.method ?? '', type: req.headers['content-type'] ?? '', body });
      handlers[(req.url ?? '').split('/')[1]!]!(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const at = (path: string): WitnessEndpoint => ({ id: 'aa'.repeat(32), url: `${base}/${path}`, publicKey: '04' });
const cosign = httpCosigner({ timeoutMs: 300 });
const never = new AbortController().signal;

describe('httpCosigner', () => {
  it('POSTs the request as JSON to {url}/v1/witness/cosign and hands a 200 cosignature back unchecked', async () => {
    received.length = 0;
    expect(await cosign(at('ok'), request, never)).toEqual({ kind: 'cosigned', cosignature: { witness: 'w', ts: 1, publicKey: 'k', value: 'v' } });
    expect(received).toEqual([{ url: '/ok/v1/witness/cosign', method: 'POST', type: 'application/json', body: JSON.stringify(request) }]);
  });

  it('reads the contract refusals, and maps codes outside it to WITNESS_OTHER', async () => {
    expect(await cosign(at('base'), request, never)).toEqual({ kind: 'wrong-base', size: 2, message: 'from 1 is not my last' });
    expect(await cosign(at('basebad'), request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_BAD_ANSWER' });
    expect(await cosign(at('key'), request, never)).toEqual({ kind: 'refused', code: 'WITNESS_WRONG_KEY', status: 403, message: 'not the registered key second line' });
    expect(await cosign(at('odd'), request, never)).toMatchObject({ kind: 'refused', code: 'WITNESS_OTHER', status: 400, message: 'WITNESS_MADE_UP_CODE: hello' });
  });

  it('calls anything else a bad answer: not JSON, a redirect (not followed), a body too large', async () => {
    expect(await cosign(at('html'), request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_BAD_ANSWER', message: expect.stringMatching(/HTTP 502.*not JSON/) });
    received.length = 0;
    expect(await cosign(at('redirect'), request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_BAD_ANSWER' });
    expect(received.map((r) => r.url)).toEqual(['/redirect/v1/witness/cosign']);
    expect(await cosign(at('huge'), request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_BAD_ANSWER', message: expect.stringMatching(/larger than/) });
  });

  it('gives up on a witness that does not answer in time, and tells a closed port apart', async () => {
    const started = Date.now();
    expect(await cosign(at('hang'), request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await cosign({ ...at('ok'), url: `http://127.0.0.1:${port}` }, request, never)).toMatchObject({ kind: 'failed', code: 'WITNESS_UNREACHABLE' });
  });

  it('stops at once when the gateway stops', async () => {
    const stop = new AbortController();
    const slow = httpCosigner({ timeoutMs: 60_000 });
    const pending = slow(at('hang'), request, stop.signal);
    setTimeout(() => stop.abort(), 20);
    expect(await pending).toMatchObject({ kind: 'failed', code: 'WITNESS_UNREACHABLE' });
  });
});

describe('readAnswer', () => {
  it('refuses shapes outside the contract', () => {
    expect(readAnswer(200, '[1]')).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(readAnswer(200, '{}')).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(readAnswer(201, '{"code":"WITNESS_FORK"}')).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(readAnswer(409, '{"code":"WITNESS_WRONG_BASE","size":1.5}')).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(readAnswer(400, '{"code":"WITNESS_WRONG_BASE","size":1}')).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(readAnswer(409, '{"code":"WITNESS_FORK","message":"m"}')).toEqual({ kind: 'refused', code: 'WITNESS_FORK', status: 409, message: 'm' });
    expect(readAnswer(409, '{"code":"WITNESS_WRONG_BASE","size":0}')).toEqual({ kind: 'wrong-base', size: 0, message: '' });
  });
});
