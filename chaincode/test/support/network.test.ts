/**
 * The in-memory peer and stub keep Fabric's semantics: reads see committed
 * state only, failed and evaluated transactions write nothing, MVCC and phantom
 * conflicts invalidate a transaction at commit, composite keys and range
 * queries follow fabric-shim, and the creator is authenticated by its MSP.
 * A small chaincode written against the stub API drives each rule.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { CommitError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import type { ChaincodeInterface, ChaincodeStub, ClientIdentity as ClientIdentityType } from 'fabric-shim';
import { createTestCa } from './certificates.js';
import { InMemoryFabric } from './network.js';
import { Simulator } from './simulation.js';

const require = createRequire(import.meta.url);
const { ClientIdentity } = require('fabric-shim') as { ClientIdentity: new (stub: ChaincodeStub) => ClientIdentityType };
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const bytes = (s: string) => Buffer.from(s);
const tick = () => new Promise((r) => setImmediate(r));

/** Transactions: put k v | get k | putget k v | fail k v | range a b | partial type attrs... | event n | who | time | count-then-put k */
const probe: ChaincodeInterface = {
  async Init() {
    return { status: 200, payload: bytes('') };
  },
  async Invoke(stub) {
    const [fn, ...args] = stub.getStringArgs();
    const ok = (s: string) => ({ status: 200, payload: bytes(s) });
    try {
      switch (fn) {
        case 'put':
          await stub.putState(args[0]!, bytes(args[1]!));
          return ok('');
        case 'del':
          await stub.deleteState(args[0]!);
          return ok('');
        case 'get':
          return ok(text(await stub.getState(args[0]!)));
        case 'putget':
          await stub.putState(args[0]!, bytes(args[1]!));
          return ok(text(await stub.getState(args[0]!)));
        case 'fail':
          await stub.putState(args[0]!, bytes(args[1]!));
          return { status: 500, message: 'refused on purpose', payload: bytes('') };
        case 'range': {
          const keys: string[] = [];
          for await (const kv of stub.getStateByRange(args[0]!, args[1]!)) keys.push(`${kv.key}=${text(kv.value)}`);
          return ok(JSON.stringify(keys));
        }
        case 'partial': {
          const keys: string[][] = [];
          for await (const kv of stub.getStateByPartialCompositeKey(args[0]!, args.slice(1))) keys.push(stub.splitCompositeKey(kv.key).attributes);
          return ok(JSON.stringify(keys));
        }
        case 'composite':
          await stub.putState(stub.createCompositeKey(args[0]!, args.slice(1)), bytes('x'));
          return ok('');
        case 'event':
          stub.setEvent('First', bytes('1'));
          stub.setEvent(args[0]!, bytes(args[1]!));
          await stub.putState('evented', bytes(args[1]!));
          return ok('');
        case 'who': {
          const id = new ClientIdentity(stub);
          return ok(JSON.stringify({ msp: id.getMSPID(), id: id.getID(), role: id.getAttributeValue('role'), peer: stub.getMspID(), tx: stub.getTxID(), channel: stub.getChannelID() }));
        }
        case 'time': {
          const t = stub.getTxTimestamp();
          return ok(JSON.stringify({ seconds: t.seconds.toNumber(), nanos: t.nanos, date: stub.getDateTimestamp().getTime() }));
        }
        case 'read-then-put': {
          // Reads a counter, then writes it + 1: concurrent runs must conflict.
          const n = Number(text(await stub.getState(args[0]!)) || '0');
          await tick();
          await stub.putState(args[0]!, bytes(String(n + 1)));
          return ok(String(n + 1));
        }
        case 'scan-then-put': {
          let n = 0;
          for await (const _kv of stub.getStateByRange(args[0]!, args[1]!)) n++;
          await tick();
          await stub.putState(args[2]!, bytes(String(n)));
          return ok(String(n));
        }
        default:
          return { status: 500, message: `unknown ${fn}`, payload: bytes('') };
      }
    } catch (e) {
      return { status: 500, message: (e as Error).message, payload: bytes('') };
    }
  },
};

/** The chaincode's message is in the gateway error's details, as with a real gateway. */
async function expectDetail(p: Promise<unknown>, re: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GatewayError);
  expect((e as GatewayError).details.map((d) => d.message).join('\n')).toMatch(re);
}

function setup(clock?: () => number) {
  const ca = createTestCa('Org1MSP');
  const fabric = new InMemoryFabric(probe, { msps: [{ mspId: 'Org1MSP', rootCertificate: ca.certificate }], clock });
  const alice = ca.issue({ OU: 'client', CN: 'alice' }, { attrs: { role: 'auditor' } });
  return { ca, fabric, alice, as: fabric.contract(alice) };
}

describe('in-memory peer: transactions', () => {
  it('commits a submit and shows it to later reads', async () => {
    const { as, fabric } = setup();
    await as.submitTransaction('put', 'k', 'v1');
    expect(text(await as.evaluateTransaction('get', 'k'))).toBe('v1');
    expect(fabric.blockHeight).toBe(1);
  });

  it('lets a transaction read the committed value, never its own write', async () => {
    const { as } = setup();
    await as.submitTransaction('put', 'k', 'old');
    expect(text(await as.submitTransaction('putget', 'k', 'new'))).toBe('old');
    expect(text(await as.evaluateTransaction('get', 'k'))).toBe('new');
  });

  it('writes nothing for an evaluate, nor for a failed transaction', async () => {
    const { as, fabric } = setup();
    await as.evaluateTransaction('put', 'k', 'evaluated');
    expect(text(await as.evaluateTransaction('get', 'k'))).toBe('');
    await expect(as.submitTransaction('fail', 'k', 'failed')).rejects.toBeInstanceOf(EndorseError);
    expect(text(await as.evaluateTransaction('get', 'k'))).toBe('');
    expect(fabric.blockHeight).toBe(0);
    expect(fabric.state.size).toBe(0);
  });

  it('deletes keys', async () => {
    const { as } = setup();
    await as.submitTransaction('put', 'k', 'v');
    await as.submitTransaction('del', 'k');
    expect(text(await as.evaluateTransaction('get', 'k'))).toBe('');
  });

  it('refuses empty and non-UTF-8 keys, as the peer does', async () => {
    const { as, fabric } = setup();
    await expectDetail(as.submitTransaction('put', '', 'v'), /key must not be an empty string/);
    // Arguments travel as UTF-8, so a lone surrogate can only come from chaincode code itself.
    const sim = new Simulator(fabric.state);
    expect(() => sim.put('bad\ud800', bytes('v'))).toThrow(/not valid UTF-8/);
    expect(() => sim.delete('')).toThrow(/empty/);
  });

  it('reports a chaincode error as a real gateway does: EndorseError on submit, GatewayError on evaluate, message in details', async () => {
    const { as } = setup();
    const submit = await as.submitTransaction('fail', 'k', 'v').catch((e: unknown) => e);
    expect(submit).toBeInstanceOf(EndorseError);
    const endorse = submit as EndorseError;
    expect(endorse.code).toBe(10);
    expect(endorse.message).toBe('10 ABORTED: failed to endorse transaction, see attached details for more info');
    expect(endorse.details[0]).toMatchObject({ mspId: 'Org1MSP', message: 'chaincode response 500, refused on purpose' });
    expect(endorse.transactionId).toMatch(/^[0-9a-f]{64}$/);
    const evaluate = await as.evaluateTransaction('fail', 'k', 'v').catch((e: unknown) => e);
    expect(evaluate).toBeInstanceOf(GatewayError);
    expect((evaluate as GatewayError).message).toContain('chaincode response 500, refused on purpose');
  });
});

describe('in-memory peer: MVCC and phantom reads', () => {
  it('invalidates the second of two concurrent read-then-write transactions (MVCC_READ_CONFLICT)', async () => {
    const { as } = setup();
    const results = await Promise.allSettled([as.submitTransaction('read-then-put', 'n'), as.submitTransaction('read-then-put', 'n')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(CommitError);
    expect((rejected.reason as CommitError).code).toBe(StatusCode.MVCC_READ_CONFLICT);
    expect(text(await as.evaluateTransaction('get', 'n'))).toBe('1');
  });

  it('invalidates a range reader when a key appears in its range before it commits (PHANTOM_READ_CONFLICT)', async () => {
    const { as } = setup();
    await as.submitTransaction('put', 'a1', 'x');
    const scan = as.submitTransaction('scan-then-put', 'a', 'b', 'count');
    const insert = as.submitTransaction('put', 'a2', 'y');
    const [scanned, inserted] = await Promise.allSettled([scan, insert]);
    expect(inserted.status).toBe('fulfilled');
    expect(scanned.status).toBe('rejected');
    expect(((scanned as PromiseRejectedResult).reason as CommitError).code).toBe(StatusCode.PHANTOM_READ_CONFLICT);
  });

  it('lets non-conflicting transactions commit concurrently', async () => {
    const { as } = setup();
    await Promise.all(['a', 'b', 'c'].map((k) => as.submitTransaction('read-then-put', k)));
    expect(text(await as.evaluateTransaction('get', 'c'))).toBe('1');
  });
});

describe('in-memory stub: keys and range queries', () => {
  it('builds and splits composite keys as fabric-shim does, refusing empty attributes', async () => {
    const { as, fabric } = setup();
    await as.submitTransaction('composite', 'batch', 'gw1', '0000000000000002');
    const [key] = fabric.state.range('\u0000', '');
    expect(key![0]).toBe('\u0000batch\u0000gw1\u00000000000000000002\u0000');
    await expectDetail(as.submitTransaction('composite', 'batch', 'gw1', ''), /non-zero length/);
    await expectDetail(as.submitTransaction('composite', '', 'x'), /non-zero length/);
  });

  it('returns a partial composite key range in key order, and only that prefix', async () => {
    const { as } = setup();
    for (const [gw, seq] of [['gw1', '2'], ['gw1', '1'], ['gw2', '1'], ['gw1', '10']]) await as.submitTransaction('composite', 'batch', gw!, seq!);
    await as.submitTransaction('composite', 'batchx', 'gw1', '1');
    expect(JSON.parse(text(await as.evaluateTransaction('partial', 'batch', 'gw1')))).toEqual([
      ['gw1', '1'],
      ['gw1', '10'],
      ['gw1', '2'],
    ]);
    expect(JSON.parse(text(await as.evaluateTransaction('partial', 'batch')))).toHaveLength(4);
  });

  it('ranges over simple keys only, bounds [start, end), empty bounds open, in UTF-8 byte order', async () => {
    const { as } = setup();
    for (const k of ['b', 'a', 'c', 'é', '\uffff', 'aa']) await as.submitTransaction('put', k, k);
    await as.submitTransaction('composite', 'x', 'y');
    expect(JSON.parse(text(await as.evaluateTransaction('range', 'a', 'c')))).toEqual(['a=a', 'aa=aa', 'b=b']);
    expect(JSON.parse(text(await as.evaluateTransaction('range', '', '')))).toEqual(['a=a', 'aa=aa', 'b=b', 'c=c', 'é=é', '\uffff=\uffff']);
    await expectDetail(as.evaluateTransaction('range', '\u0000x', ''), /null character/);
  });
});

describe('in-memory stub: proposal context', () => {
  it('gives the creator to fabric-shim ClientIdentity: MSP id, X.509 identity, Fabric CA attributes', async () => {
    const { as } = setup();
    const who = JSON.parse(text(await as.evaluateTransaction('who')));
    expect(who).toMatchObject({ msp: 'Org1MSP', role: 'auditor', peer: 'Org1MSP', channel: 'evidence' });
    expect(who.id).toMatch(/^x509::\/O=org1msp\/OU=client\/CN=alice::\/C=CN\/ST=Zhejiang\/L=Hangzhou\/O=org1msp\/CN=ca\.org1msp$/);
    expect(who.tx).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the proposal time as getTxTimestamp (Long seconds, nanos) and getDateTimestamp', async () => {
    const { as } = setup(() => 1_763_800_123_456);
    expect(JSON.parse(text(await as.evaluateTransaction('time')))).toEqual({ seconds: 1_763_800_123, nanos: 456_000_000, date: 1_763_800_123_456 });
  });

  it('keeps only the last event of a transaction, and only for committed transactions', async () => {
    const { as, fabric } = setup();
    await as.submitTransaction('event', 'Second', 'payload');
    await as.evaluateTransaction('event', 'Evaluated', 'x');
    await expect(as.submitTransaction('fail', 'k', 'v')).rejects.toThrow();
    expect(fabric.events.map((e) => [e.eventName, text(e.payload), e.blockNumber])).toEqual([['Second', 'payload', 1]]);
  });

  it('refuses a creator whose certificate its MSP did not issue', async () => {
    const { fabric } = setup();
    const rogue = createTestCa('Org1MSP').issue({ CN: 'alice' });
    const err = await fabric.contract(rogue).evaluateTransaction('get', 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).details[0]?.message).toMatch(/access denied/);
    await expectDetail(fabric.contract({ ...rogue, mspId: 'Org2MSP' }).submitTransaction('put', 'k', 'v'), /access denied/);
  });
});
