import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import { buildNodeServer, HttpClient, nodeSettings, RoutingNode, SIGNATURE_HEADER, SIGNER_HEADER, signBody, staticKeySource } from '@evidence/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServicePublisher } from './publisher.js';

const party = (code: string) => ({ code, id: toHex(entityId(code)), ...generateSm2KeyPair() });

describe('ServicePublisher: several instances of one gateway', () => {
  const node = party('RN-PUB');
  const gateway = party('H330100077');
  const client = new HttpClient();
  let app: Awaited<ReturnType<typeof buildNodeServer>>;
  let nodeUrl: string;
  const sent: Buffer[] = [];

  beforeAll(async () => {
    const routing = new RoutingNode({ settings: nodeSettings({ code: node.code }), signer: node, keys: staticKeySource([node, gateway]), pool: null });
    app = await buildNodeServer(routing, { logger: false });
    // Every publication as the node received it, for the replay below.
    app.addHook('preHandler', async (req) => {
      if (req.url === '/v1/publish') sent.push(Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body)));
    });
    nodeUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    client.close();
  });

  const instance = (errors: string[]) =>
    new ServicePublisher({
      signer: { id: gateway.id, privateKey: gateway.privateKey, publicKey: gateway.publicKey },
      code: gateway.code,
      node: { id: node.id, url: nodeUrl },
      client,
      services: ['emr'],
      ttlMs: 60_000,
      onError: (m) => errors.push(m),
    });

  it('the instance that started first refreshes after the second and is accepted; a captured publication replayed is refused', async () => {
    const errorsA: string[] = [];
    const errorsB: string[] = [];
    const a = instance(errorsA);
    const b = instance(errorsB);
    await a.start('https://127.0.0.1:40001');
    await b.start('https://127.0.0.1:40002');
    // A's refresh comes after B's publication: with one session per run it was refused as older (PEER_REPLAY).
    await a.publishNow();
    expect(errorsA).toEqual([]);
    expect(errorsB).toEqual([]);

    const first = sent[0]!;
    const replay = await client.post(`${nodeUrl}/v1/publish`, first, {
      timeoutMs: 5000,
      maxResponseBytes: 1 << 16,
      headers: { [SIGNER_HEADER]: gateway.id, [SIGNATURE_HEADER]: signBody(first, gateway.privateKey, gateway.publicKey) },
    });
    expect(replay.status).toBe(409);
    expect(JSON.parse(replay.body.toString('utf8'))).toMatchObject({ code: 'PEER_REPLAY' });
    await a.stop();
    await b.stop();
  });
});
