/**
 * The registry: the governor (first caller of InitLedger) administers gateways
 * and routing nodes, each bound to a Fabric identity's account, with key
 * history. Every administrative transaction is refused to anyone else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import {
  accountOf,
  getGateway,
  getNode,
  initLedger,
  registerGateway,
  registerNode,
  rotateGatewayKey,
  rotateNodeKey,
  setGatewayAccount,
  setGatewayActive,
  setGovernor,
  setNodeActive,
  whoAmI,
  type ChaincodePort,
} from '../index.js';
import { createChaincode } from '../chaincode.js';
import { createEvidenceNetwork, createTestCa, InMemoryFabric, refusalOf, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

let net: EvidenceNetwork;
let gw: RegisteredGateway;
let stranger: ChaincodePort;

beforeAll(async () => {
  net = await createEvidenceNetwork();
  gw = await net.registerGateway('H330100001');
  stranger = net.portFor(net.identity('stranger'));
});

const newGateway = (code: string, account = 'aa'.repeat(32)) => ({ id: toHex(entityId(code)), code, publicKey: generateSm2KeyPair().publicKey, account });

describe('governor', () => {
  it('is the first caller of InitLedger; a second call is refused', async () => {
    expect(await net.governorPort.evaluate('registry:GetConfig').then((b) => JSON.parse(Buffer.from(b).toString()))).toMatchObject({
      v: 1,
      governor: await net.accountOf(net.governor),
    });
    expect(await refusalOf(initLedger(stranger))).toBe('REGISTRY_ALREADY_INITIALISED');
    expect(await refusalOf(initLedger(net.governorPort))).toBe('REGISTRY_ALREADY_INITIALISED');
  });

  it('is required before any registration', async () => {
    const ca = createTestCa('Org1MSP');
    const fresh = new InMemoryFabric(createChaincode(), { msps: [{ mspId: 'Org1MSP', rootCertificate: ca.certificate }] });
    const c = fresh.contract(ca.issue({ CN: 'admin' }));
    const port = { submit: c.submitTransaction, evaluate: c.evaluateTransaction };
    expect(await refusalOf(registerGateway(port, newGateway('H1')))).toBe('REGISTRY_NOT_INITIALISED');
  });

  it('alone may register, rotate, rebind, deactivate and hand the role on', async () => {
    const code = await refusalOf(registerGateway(stranger, newGateway('H2')));
    expect(code).toBe('REGISTRY_UNAUTHORIZED');
    const key = generateSm2KeyPair().publicKey;
    expect(await refusalOf(rotateGatewayKey(stranger, gw.id, key))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await refusalOf(setGatewayAccount(stranger, gw.id, 'bb'.repeat(32)))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await refusalOf(setGatewayActive(stranger, gw.id, false))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await refusalOf(registerNode(stranger, newGateway('RN-1')))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await refusalOf(setGovernor(stranger, 'bb'.repeat(32)))).toBe('REGISTRY_UNAUTHORIZED');
    // The gateway's own identity is no governor either.
    expect(await refusalOf(rotateGatewayKey(gw.port, gw.id, key))).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('maps the refusal to ANCHOR_UNAUTHORIZED for callers of the adapter', async () => {
    const e = await registerGateway(stranger, newGateway('H3')).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ANCHOR_UNAUTHORIZED', reason: 'REGISTRY_UNAUTHORIZED' });
  });

  it('hands the role on with SetGovernor', async () => {
    const local = await createEvidenceNetwork();
    const next = local.identity('next-admin');
    await setGovernor(local.governorPort, await local.accountOf(next));
    expect(await refusalOf(registerGateway(local.governorPort, newGateway('H4')))).toBe('REGISTRY_UNAUTHORIZED');
    await registerGateway(local.portFor(next), newGateway('H4'));
  });
});

describe('identities and accounts', () => {
  it('WhoAmI reports the MSP id, the X.509 identity and the account SM3(mspId || 0 || id)', async () => {
    const me = await whoAmI(gw.port);
    expect(me.mspId).toBe('Org1MSP');
    expect(me.clientId).toMatch(/^x509::\/O=org1\.example\.com\/OU=client\/CN=gateway-H330100001::/);
    expect(me.account).toBe(accountOf(me.mspId, me.clientId));
    expect(me.account).toBe(gw.account);
  });

  it('gives another subject, or the same subject in another MSP, another account', () => {
    const a = accountOf('Org1MSP', 'x509::/CN=a::/CN=ca');
    expect(accountOf('Org2MSP', 'x509::/CN=a::/CN=ca')).not.toBe(a);
    expect(accountOf('Org1MSP', 'x509::/CN=b::/CN=ca')).not.toBe(a);
    // The separator keeps (mspId, id) pairs from colliding by concatenation.
    expect(accountOf('Org1', 'MSPx')).not.toBe(accountOf('Org1MSP', 'x'));
  });
});

describe('gateways', () => {
  it('registers with the key valid from seq 0 and emits GatewayRegistered', async () => {
    const entry = newGateway('H330100002');
    const record = await registerGateway(net.governorPort, entry);
    expect(record).toMatchObject({ id: entry.id, code: 'H330100002', account: entry.account, active: true, keys: [{ fromSeq: 0, publicKey: entry.publicKey }] });
    expect(net.fabric.events.at(-1)).toMatchObject({ eventName: 'GatewayRegistered' });
    expect(JSON.parse(Buffer.from(net.fabric.events.at(-1)!.payload).toString())).toEqual({ gateway: entry.id, account: entry.account, publicKey: entry.publicKey });
  });

  it('refuses a duplicate, an id that is not SM3(code), a bad key, extra fields', async () => {
    expect(await refusalOf(registerGateway(net.governorPort, { ...newGateway('H330100001') }))).toBe('REGISTRY_DUPLICATE');
    expect(await refusalOf(registerGateway(net.governorPort, { ...newGateway('H5'), code: 'H6' }))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(registerGateway(net.governorPort, { ...newGateway('H5'), publicKey: '04' + '11'.repeat(64) }))).toBe('SM2_BAD_PUBLIC_KEY');
    expect(await refusalOf(registerGateway(net.governorPort, { ...newGateway('H5'), account: 'zz' }))).toBe('EVIDENCE_BAD_HEX');
    const extra = { ...newGateway('H5'), admin: true } as unknown as Parameters<typeof registerGateway>[1];
    expect(await refusalOf(registerGateway(net.governorPort, extra))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(net.governorPort.submit('registry:RegisterGateway', '{not json'))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(net.governorPort.submit('registry:RegisterGateway', 'x'.repeat(300_000)))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('accepts a gateway without code (the id alone)', async () => {
    const { code: _c, ...entry } = newGateway('H7');
    expect(await registerGateway(net.governorPort, entry)).toMatchObject({ id: entry.id, code: null });
  });

  it('rotates keys from the batch after the latest anchored one, keeping the history', async () => {
    const g = await net.registerGateway('H330100008');
    const k1 = generateSm2KeyPair();
    // Nothing anchored yet: the new key replaces the first one from seq 0.
    expect(await rotateGatewayKey(net.governorPort, g.id, k1.publicKey)).toMatchObject({ fromSeq: 0, publicKey: k1.publicKey });
    expect(await refusalOf(net.anchorLeaves(g, [leafOf(g.id, 1)]))).toBe('ANCHOR_BAD_SIGNATURE'); // signed with the replaced key
    const g1 = { ...g, ...k1 };
    await net.anchorLeaves(g1, [leafOf(g.id, 1)]);
    const k2 = generateSm2KeyPair();
    expect(await rotateGatewayKey(net.governorPort, g.id, k2.publicKey)).toMatchObject({ fromSeq: 1 });
    expect(net.fabric.events.at(-1)?.eventName).toBe('GatewayKeyRotated');
    expect(await refusalOf(net.anchorLeaves(g1, [leafOf(g.id, 2)]))).toBe('ANCHOR_BAD_SIGNATURE');
    await net.anchorLeaves({ ...g, ...k2 }, [leafOf(g.id, 2)]);
    expect((await getGateway(g.port, g.id))?.keys.map((k) => [k.fromSeq, k.publicKey])).toEqual([
      [0, k1.publicKey],
      [1, k2.publicKey],
    ]);
    expect(await refusalOf(rotateGatewayKey(net.governorPort, 'cd'.repeat(32), k1.publicKey))).toBe('ANCHOR_UNKNOWN_GATEWAY');
    expect(await refusalOf(rotateGatewayKey(net.governorPort, g.id, 'nope'))).toBe('SM2_BAD_PUBLIC_KEY');
  });

  it('rebinds a gateway to another identity: the old one may no longer anchor, the new one may', async () => {
    const g = await net.registerGateway('H330100009');
    await net.anchorLeaves(g, [leafOf(g.id, 1)]);
    const successor = net.identity('gateway-H330100009-new');
    await setGatewayAccount(net.governorPort, g.id, await net.accountOf(successor));
    expect(await refusalOf(net.anchorLeaves(g, [leafOf(g.id, 2)]))).toBe('ANCHOR_UNAUTHORIZED');
    await net.anchorLeaves({ ...g, port: net.portFor(successor) }, [leafOf(g.id, 2)]);
  });

  it('deactivates and reactivates a gateway', async () => {
    const g = await net.registerGateway('H330100010');
    expect(await setGatewayActive(net.governorPort, g.id, false)).toMatchObject({ active: false });
    expect(net.fabric.events.at(-1)?.eventName).toBe('GatewayDeactivated');
    expect(await refusalOf(net.anchorLeaves(g, [leafOf(g.id, 1)]))).toBe('ANCHOR_UNAUTHORIZED');
    await setGatewayActive(net.governorPort, g.id, true);
    await net.anchorLeaves(g, [leafOf(g.id, 1)]);
    expect(await refusalOf(net.governorPort.submit('registry:SetGatewayActive', g.id, 'yes'))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('reads a gateway with its key history, or null', async () => {
    expect(await getGateway(stranger, 'cd'.repeat(32))).toBeNull();
    expect(await getGateway(stranger, gw.id)).toMatchObject({ id: gw.id, keys: [{ fromSeq: 0, publicKey: gw.publicKey }] });
    expect(await refusalOf(getGateway(stranger, 'CD'.repeat(32)))).toBe('EVIDENCE_BAD_HEX');
  });
});

describe('routing nodes', () => {
  it('registers, rotates keys by time, deactivates, and reads back', async () => {
    const entry = newGateway('RN-HZ-01');
    const node = await registerNode(net.governorPort, entry);
    expect(node).toMatchObject({ id: entry.id, code: 'RN-HZ-01', active: true });
    expect(await refusalOf(registerNode(net.governorPort, entry))).toBe('REGISTRY_DUPLICATE');
    const k2 = generateSm2KeyPair().publicKey;
    const rotated = await rotateNodeKey(net.governorPort, entry.id, k2);
    expect(rotated.publicKey).toBe(k2);
    expect(await setNodeActive(net.governorPort, entry.id, false)).toMatchObject({ active: false });
    const read = await getNode(stranger, entry.id);
    expect(read?.keys.map((k) => k.publicKey)).toEqual([entry.publicKey, k2]);
    expect(read?.active).toBe(false);
    expect(await getNode(stranger, 'cd'.repeat(32))).toBeNull();
    expect(await refusalOf(rotateNodeKey(net.governorPort, 'cd'.repeat(32), k2))).toBe('REGISTRY_UNKNOWN_NODE');
    expect(await refusalOf(rotateNodeKey(stranger, entry.id, k2))).toBe('REGISTRY_UNAUTHORIZED');
  });
});

describe('contract surface', () => {
  it('declares every transaction with its parameters, in order, without compiler metadata', async () => {
    const meta = JSON.parse(Buffer.from(await stranger.evaluate('org.hyperledger.fabric:GetMetadata')).toString()) as {
      contracts: Record<string, { transactions: { name: string; tag: string[]; parameters?: { name: string }[] }[] }>;
    };
    const anchor = meta.contracts.anchor!.transactions.find((t) => t.name === 'Anchor')!;
    expect(anchor.tag).toContain('SUBMIT');
    expect(anchor.parameters?.map((p) => p.name)).toEqual(['header', 'signature']);
    const inclusion = meta.contracts.anchor!.transactions.find((t) => t.name === 'VerifyInclusion')!;
    expect(inclusion.tag).toEqual(['EVALUATE']);
    expect(inclusion.parameters?.map((p) => p.name)).toEqual(['leafHash', 'index', 'size', 'path', 'root']);
    expect(Object.keys(meta.contracts).sort()).toEqual(['anchor', 'claims', 'consent', 'credentials', 'org.hyperledger.fabric', 'registry']);
    // The declared names are the methods' own parameter names.
    const { contracts } = await import('./index.js');
    for (const C of contracts) {
      const instance = new C();
      for (const t of meta.contracts[instance.getName()]!.transactions) {
        const fn = (instance as unknown as Record<string, (...a: unknown[]) => unknown>)[t.name]!;
        const names = /\(([^)]*)\)/.exec(fn.toString())![1]!.split(',').map((p) => p.trim().replace(/[:=].*$/, '')).filter(Boolean).slice(1);
        expect((t.parameters ?? []).map((p) => p.name), `${instance.getName()}:${t.name}`).toEqual(names);
      }
    }
  });

  it('refuses unknown transactions and wrong argument counts', async () => {
    expect(await refusalOf(stranger.evaluate('registry:DropTables'))).toBe('CHAINCODE_UNKNOWN_TRANSACTION');
    // Refused by fabric-contract-api's dispatch before any contract runs, so without a code.
    await expect(stranger.evaluate('anchor:LatestBatch')).rejects.toThrow(/Expected 1 parameters, but 0 have been supplied/);
    await expect(stranger.evaluate('nosuch:Thing')).rejects.toThrow(/Contract name is not known: nosuch/);
  });

  it('stores deterministic JSON (JCS): the bytes every endorser writes are the same', async () => {
    for (const [, { value }] of net.fabric.state.range('\u0000', '')) {
      const text = Buffer.from(value).toString('utf8');
      const { jcsString } = await import('@evidence/core');
      expect(jcsString(JSON.parse(text))).toBe(text);
    }
  });
});

function leafOf(gateway: string, n: number) {
  return { v: 1, kind: 1, id: n.toString(16).padStart(32, '0'), gateway, subject: 'ab'.repeat(32), ts: 1_763_800_000_000 + n, commitment: n.toString(16).padStart(64, '0') };
}
