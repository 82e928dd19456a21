/**
 * Webhooks that cannot reach inside (issue 27, findings 3 and 4), attacked the
 * way they were found: listeners on 127.0.0.1 standing in for the chain's RPC
 * port and the EMR service, every spelling of an internal address, URLs with
 * credentials, a receiver that redirects, one that answers 400 MB, a
 * subscription deleted while its delivery is being retried, and a gateway
 * SIGKILLed with a delivery pending in its in-memory queue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PAYLOADS } from '@evidence/gateway';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { baseEnv, evmEnv, gatewayPublicKey, settled, spawnGateway, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';

interface Receiver {
  url: string;
  port: number;
  /** Delivery ids of the requests received, in order. */
  hits: string[];
  close(): Promise<void>;
}

async function receiver(host: string, answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(String(req.headers['x-evidence-delivery'] ?? req.url));
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/hook`,
    port,
    hits,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const payment = { kind: 'payment', subject: { idNumber: '330102198001010011' }, payload: EXAMPLE_PAYLOADS.payment };
const until = async (what: string, ok: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('POST /v1/subscriptions', () => {
  const dir = tempDir('sec-hooks-');
  let gw: RunningGateway;
  let inside: Receiver;
  let allowed: Receiver;
  beforeAll(async () => {
    inside = await receiver('127.0.0.1', (_req, res) => res.end('internal service'));
    allowed = await receiver('127.0.0.2', (_req, res) => res.end());
    gw = await startGateway(baseEnv('HSEC0004', `${dir.path}/data`, { ANCHOR: 'none', WEBHOOK_ALLOW: '127.0.0.2', WEBHOOK_MAX_PER_CLIENT: '3' }));
  });
  afterAll(async () => {
    await gw?.close();
    await inside?.close();
    await allowed?.close();
    dir.remove();
  });

  it('refuses internal addresses in every spelling, credentials, and http, and never calls them', async () => {
    const p = inside.port;
    const refused = [
      `http://127.0.0.1:${p}/hook`,
      `https://127.0.0.1:${p}/hook`,
      `https://0x7f000001:${p}/hook`,
      `https://2130706433:${p}/hook`,
      `https://0177.0.0.1:${p}/hook`,
      `https://127.1:${p}/hook`,
      `https://localhost:${p}/hook`,
      `https://[::1]:${p}/hook`,
      `https://[::ffff:127.0.0.1]:${p}/hook`,
      'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://10.0.0.1/',
      `https://user:pass@127.0.0.2:${allowed.port}/hook`,
      `http://user:pass@127.0.0.2:${allowed.port}/hook`,
    ];
    for (const url of refused) {
      const r = await gw.client.post('/v1/subscriptions', { url });
      expect({ url, status: r.status, code: r.body.code }).toEqual({ url, status: 400, code: 'WEBHOOK_URL_REFUSED' });
    }
    expect(inside.hits).toEqual([]);
    expect((await gw.client.get<unknown[]>('/v1/subscriptions')).body).toEqual([]);
  });

  it('accepts an address the operator allowed, up to the cap per client', async () => {
    for (let i = 0; i < 3; i++) expect((await gw.client.post('/v1/subscriptions', { url: `${allowed.url}?n=${i}` })).status).toBe(201);
    const over = await gw.client.post('/v1/subscriptions', { url: allowed.url });
    expect(over).toMatchObject({ status: 409, body: { code: 'SUBSCRIPTION_LIMIT' } });
  });
});

describe('deliveries', () => {
  let evm: RpcEvm;
  beforeAll(async () => {
    evm = await rpcEvm({ blockTimeMs: 1000 });
  }, 120_000);
  afterAll(async () => {
    await evm?.close();
  });

  it('follows no redirect, reads a 400 MB answer no further than its cap, and stops retrying a deleted subscription', async () => {
    const dir = tempDir('sec-deliver-');
    await evm.register('HSEC0005', await gatewayPublicKey(dir.path), 3);
    const gw = await startGateway({
      ...baseEnv('HSEC0005', dir.path, { BATCH_MAX_AGE_MS: '100', WEBHOOK_ALLOW: '127.0.0.1', WEBHOOK_MAX_RESPONSE_BYTES: '65536' }),
      ...evmEnv(evm.rpcUrl, evm.address, accountKey(3), evm.deployment.block),
    });
    const redirectTarget = await receiver('127.0.0.1', (_req, res) => res.end());
    const redirector = await receiver('127.0.0.1', (_req, res) => res.writeHead(302, { location: redirectTarget.url }).end());
    let written = 0;
    const huge = await receiver('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-length': String(400 * 1024 * 1024) });
      const mb = Buffer.alloc(1024 * 1024, 0x61);
      const more = () => {
        while (written < 400 * 1024 * 1024 && !res.destroyed) {
          written += mb.length;
          if (!res.write(mb)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('close', () => undefined);
      more();
    });
    let deleteSubscription: (() => void) | null = null;
    const deleted = await receiver('127.0.0.1', (_req, res) => {
      res.writeHead(500).end();
      deleteSubscription?.();
    });
    try {
      const ids: Record<string, string> = {};
      for (const [name, r] of Object.entries({ redirector, huge, deleted })) {
        const s = await gw.client.post<{ id: string }>('/v1/subscriptions', { url: r.url, kinds: ['payment'] });
        expect(s.status).toBe(201);
        ids[name] = s.body.id;
      }
      let deletion: Promise<unknown> | null = null;
      deleteSubscription = () => {
        deleteSubscription = null;
        deletion = gw.client.request('DELETE', `/v1/subscriptions/${ids.deleted}`);
      };
      expect((await gw.client.post('/v1/evidence', payment)).status).toBe(202);
      await settled(gw.client);

      await until('the redirector to be retried', () => redirector.hits.length >= 2);
      await until('the huge answer', () => huge.hits.length >= 1);
      await until('the first attempt at the deleted subscription', () => deleted.hits.length >= 1);
      await deletion;
      // Retries come after 1 s, then 2 s: wait past both.
      await new Promise((r) => setTimeout(r, 3500));
      expect(redirectTarget.hits).toEqual([]);
      expect(redirector.hits.length).toBeGreaterThanOrEqual(2);
      // A 2xx, so delivered once; its answer was dropped after the cap, not read to 400 MB.
      expect(huge.hits).toHaveLength(1);
      expect(written).toBeLessThan(32 * 1024 * 1024);
      expect(deleted.hits).toHaveLength(1);
      const metrics = await fetch(`${gw.url}/metrics`);
      expect(metrics.status).not.toBe(200);
    } finally {
      await gw.close();
      for (const r of [redirectTarget, redirector, huge, deleted]) await r.close();
      dir.remove();
    }
  }, 90_000);

  it('delivers after a SIGKILL a delivery pending in the in-memory queue', async () => {
    const dir = tempDir('sec-deliver-kill-');
    await evm.register('HSEC0006', await gatewayPublicKey(dir.path), 4);
    const env = { ...baseEnv('HSEC0006', dir.path, { BATCH_MAX_AGE_MS: '100', WEBHOOK_ALLOW: '127.0.0.1' }), ...evmEnv(evm.rpcUrl, evm.address, accountKey(4), evm.deployment.block) };
    let accept = false;
    const delivered: string[] = [];
    const hook = await receiver('127.0.0.1', (req, res) => {
      if (!accept) return void res.writeHead(503).end();
      delivered.push(String(req.headers['x-evidence-delivery']));
      res.writeHead(204).end();
    });
    let gw = await spawnGateway(env);
    try {
      expect((await gw.client.post('/v1/subscriptions', { url: hook.url })).status).toBe(201);
      expect((await gw.client.post('/v1/evidence', payment)).status).toBe(202);
      await until('the first (refused) attempt', () => hook.hits.length >= 1);
      gw.child.kill('SIGKILL');
      expect(await gw.exited).toBe('SIGKILL');
      accept = true;
      gw = await spawnGateway(env);
      await until('the delivery after the restart', () => delivered.length >= 1);
      expect(delivered[0]).toBe(hook.hits[0]);
    } finally {
      await gw.close();
      await hook.close();
      dir.remove();
    }
  }, 90_000);
});
