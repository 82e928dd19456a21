/**
 * Every disclosure recorded, and insurers limited by consent (issue 27,
 * finding 6), tested the way it was found: five court reads with
 * ?disclose=true of a payload with a name and a phone number, the regulator's
 * supervision feed, and an insurer client fetching proofs and subscribing to
 * every kind while patients granted it only some. Real chain (Hardhat
 * JSON-RPC) with ConsentRegistry.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAccounts } from '@evidence/contracts';
import { EXAMPLE_PAYLOADS, tokenDigest } from '@evidence/gateway';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { baseEnv, evmEnv, GatewayClient, gatewayPublicKey, settled, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';

const DAY = 86_400_000;
const A = '330102198001010011';
const B = '330102198001010022';
const tokens = { his: 'his-token-sec-disclosure-01', court: 'court-token-sec-disclosure-1', regulator: 'regulator-token-sec-disc-01', picc: 'picc-token-sec-disclosure-01' };

interface AuditEvent {
  resourceType: string;
  action: string;
  purposeOfEvent: { text: string }[];
  agent: { who: { identifier: { value: string } }; role: { text: string }[] }[];
  entity: { what: { identifier: { value: string } } }[];
}

describe('disclosures and consent', () => {
  const dir = tempDir('sec-disclose-');
  let evm: RpcEvm;
  let gw: RunningGateway;
  let hook: Server;
  const delivered: string[] = [];
  const as = (who: keyof typeof tokens) => new GatewayClient(gw.url, tokens[who]);
  const insurer = localAccounts()[7]!.address;
  const ids: Record<string, string> = {};
  const now = Date.now();

  const record = async (kind: string, payload: unknown, patient = A) => {
    const r = await as('his').post<{ id: string }>('/v1/evidence', { kind, subject: { idNumber: patient }, payload });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.id;
  };
  const recordAccessCount = async () => {
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${tokens.regulator}` } })).text();
    return Number(/evidence_recorded_total\{[^}]*kind="record-access"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    evm = await rpcEvm({ blockTimeMs: 1000 });
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        for (const b of (JSON.parse(body) as { bundles: { leaf: { id: string } }[] }).bundles) delivered.push(b.leaf.id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const code = 'HSEC0007';
    const dataDir = join(dir.path, 'data');
    await evm.register(code, await gatewayPublicKey(dataDir), 5);
    const clientsFile = join(dir.path, 'clients.json');
    writeFileSync(
      clientsFile,
      JSON.stringify({
        clients: [
          { id: 'his', roles: ['recorder'], tokenSm3: tokenDigest(tokens.his) },
          { id: 'court-1', roles: ['court'], tokenSm3: tokenDigest(tokens.court) },
          { id: 'regulator-1', roles: ['regulator'], tokenSm3: tokenDigest(tokens.regulator) },
          { id: 'picc', roles: ['insurer'], tokenSm3: tokenDigest(tokens.picc), account: insurer },
        ],
      }),
    );
    gw = await startGateway(
      baseEnv(code, dataDir, {
        ...evmEnv(evm.rpcUrl, evm.address, accountKey(5), evm.deployment.block),
        EVM_CONSENT_REGISTRY: evm.deployment.contracts.ConsentRegistry,
        BATCH_MAX_AGE_MS: '100',
        CLIENTS_FILE: clientsFile,
        WEBHOOK_ALLOW: '127.0.0.1',
      }),
    );
    ids.consent = await record('consent', {
      action: 'grant',
      grantee: 'INS-PICC',
      granteeType: 'insurer',
      scope: ['payment'],
      purpose: '理赔审核',
      at: now,
      expiresAt: now + 90 * DAY,
      ext: { granteeAccount: insurer },
    });
    await settled(gw.client);
    const grant = await gw.client.post('/v1/consents/grants', { evidenceId: ids.consent, grantee: insurer, kinds: ['payment'] });
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    const sub = await as('picc').post('/v1/subscriptions', { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
    expect(sub.status).toBe(201);
    ids.paymentA = await record('payment', { ...(EXAMPLE_PAYLOADS.payment as object), ext: { payer: '张三', phone: '13800138000' } });
    ids.consultationA = await record('consultation', EXAMPLE_PAYLOADS.consultation);
    ids.paymentB = await record('payment', EXAMPLE_PAYLOADS.payment, B);
    ids.supervision = await record('supervision', EXAMPLE_PAYLOADS.supervision, B);
    await settled(gw.client);
  }, 180_000);

  afterAll(async () => {
    await gw?.close();
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    await evm?.close();
    dir.remove();
  });

  it('records each of five court reads with ?disclose=true as record-access: who, what, why', async () => {
    const before = await recordAccessCount();
    const accessIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${gw.url}/v1/evidence/${ids.paymentA}/proof?disclose=true&purpose=${encodeURIComponent(`案件 (2026) 浙01民初${i}号`)}`, { headers: { authorization: `Bearer ${tokens.court}` } });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { disclosure: { payload: { ext: { phone: string } } } }).disclosure.payload.ext.phone).toBe('13800138000');
      accessIds.push(r.headers.get('x-evidence-access-record')!);
    }
    expect(new Set(accessIds).size).toBe(5);
    expect((await recordAccessCount()) - before).toBe(5);
    // The access record is evidence like any other: the regulator (no disclosure right) sees its leaf, a court its content.
    await settled(gw.client);
    const leaf = await as('regulator').get<{ kind: string }>(`/v1/evidence/${accessIds[4]}`);
    expect(leaf.body.kind).toBe('record-access');
    const shown = await as('court').get<{ disclosure: { payload: AuditEvent } }>(`/v1/evidence/${accessIds[4]}/proof?disclose=true&purpose=audit`);
    const event = shown.body.disclosure.payload;
    expect(event).toMatchObject({ resourceType: 'AuditEvent', action: 'R', purposeOfEvent: [{ text: '案件 (2026) 浙01民初4号' }] });
    expect(event.agent[0]!.who.identifier.value).toBe('court-1');
    expect(event.agent[0]!.role).toEqual([{ text: 'court' }]);
    expect(event.entity.map((e) => e.what.identifier.value)).toEqual([ids.paymentA]);
  });

  it('records the supervision feed, which discloses the reports it carries', async () => {
    const before = await recordAccessCount();
    const feed = await as('regulator').get<{ batches: { supervision: { leaf: { id: string } }[] }[] }>('/v1/supervision/feed?after=-1&limit=500');
    expect(feed.status).toBe(200);
    const reports = feed.body.batches.flatMap((b) => b.supervision.map((s) => s.leaf.id));
    expect(reports).toContain(ids.supervision);
    expect((await recordAccessCount()) - before).toBe(1); // one patient, one event
  });

  it('lets an insurer see only what a consent on chain grants it: the patient, the kinds, while active', async () => {
    expect((await as('picc').get(`/v1/evidence/${ids.paymentA}/proof`)).status).toBe(200);
    expect((await as('picc').get(`/v1/evidence/${ids.paymentA}`)).status).toBe(200);
    for (const id of [ids.consultationA, ids.paymentB, ids.supervision]) {
      for (const path of [`/v1/evidence/${id}/proof`, `/v1/evidence/${id}`]) {
        const r = await as('picc').get(path);
        expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 403, code: 'CONSENT_NOT_ACTIVE' });
      }
    }
    // Subscribed to every kind, it was pushed only the granted record.
    const end = Date.now() + 30_000;
    while (!delivered.includes(ids.paymentA!) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(delivered).toContain(ids.paymentA);
    for (const id of [ids.consultationA, ids.paymentB, ids.supervision, ids.consent]) expect(delivered).not.toContain(id);
  });
});
