import { describe, expect, it } from 'vitest';
import { signHeader, generateSm2KeyPair, type BatchHeader } from '@evidence/core';
import { createFabricAnchor } from './fabric-anchor.js';
import type { ChaincodePort } from './port.js';

const keys = generateSm2KeyPair();
const header: BatchHeader = { v: 1, gateway: 'ab'.repeat(32), seq: 0, alg: 'sm3', size: 1, root: 'cd'.repeat(32), prev: '00'.repeat(32), closedAt: 1 };
const bytes = (s: string) => new TextEncoder().encode(s);

/** A port that records calls and answers with `reply`. */
function port(reply: (name: string, args: string[]) => string): ChaincodePort & { calls: string[][] } {
  const calls: string[][] = [];
  const answer = async (name: string, ...args: string[]) => {
    calls.push([name, ...args]);
    return bytes(reply(name, args));
  };
  return { calls, submit: answer, evaluate: answer };
}

describe('createFabricAnchor', () => {
  it('returns the Fabric receipt of spec section 8 with the txId the chaincode reports', async () => {
    const p = port(() => '{"txId":"f00d","gateway":"x","seq":0,"headerHash":"y"}');
    const anchor = createFabricAnchor({ port: p, channel: 'evidence', chaincode: 'anchor' });
    expect(await anchor.anchor(header, signHeader(header, keys.privateKey))).toEqual({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: 'f00d' });
    expect(p.calls[0]![0]).toBe('anchor:Anchor');
    expect(JSON.parse(p.calls[0]![1]!)).toEqual(header);
    expect(p.calls[0]![2]).toMatch(/^[0-9a-f]{128}$/);
  });

  it('refuses a malformed header or signature before any call', async () => {
    const p = port(() => '{}');
    const anchor = createFabricAnchor({ port: p, channel: 'evidence', chaincode: 'anchor' });
    await expect(anchor.anchor({ ...header, root: 'zz' }, new Uint8Array(64))).rejects.toMatchObject({ code: 'EVIDENCE_BAD_HEX' });
    await expect(anchor.anchor(header, new Uint8Array(63))).rejects.toMatchObject({ code: 'EVIDENCE_BAD_LENGTH' });
    await expect(anchor.keyAt(header.gateway, 1.5)).rejects.toMatchObject({ code: 'EVIDENCE_BAD_INTEGER' });
    expect(p.calls).toEqual([]);
  });

  it('treats a result that is not JSON, or a receipt without txId, as the chain being unavailable', async () => {
    const garbled = createFabricAnchor({ port: port(() => '<html>'), channel: 'c', chaincode: 'cc' });
    await expect(garbled.latest(header.gateway)).rejects.toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    const noTx = createFabricAnchor({ port: port(() => '{}'), channel: 'c', chaincode: 'cc' });
    await expect(noTx.anchor(header, signHeader(header, keys.privateKey))).rejects.toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
  });

  it('returns exactly the AnchoredBatch fields from the stored record', async () => {
    const record = { ...header, headerHash: 'ee'.repeat(32), signature: 'ff', anchoredAt: 5, txId: 't' };
    const anchor = createFabricAnchor({ port: port(() => JSON.stringify(record)), channel: 'c', chaincode: 'cc' });
    expect(await anchor.batch(header.gateway, 0)).toEqual({ gateway: header.gateway, seq: 0, alg: 'sm3', size: 1, root: header.root, headerHash: 'ee'.repeat(32) });
    expect(await anchor.receiptOf(header.gateway, 0)).toEqual({ chain: 'fabric', channel: 'c', chaincode: 'cc', txId: 't' });
    const none = createFabricAnchor({ port: port(() => 'null'), channel: 'c', chaincode: 'cc' });
    expect(await none.receiptOf(header.gateway, 0)).toBeNull();
    expect(await none.batch(header.gateway, 0)).toBeNull();
    expect(await none.latest(header.gateway)).toBeNull();
    expect(await none.keyAt(header.gateway, 0)).toBeNull();
  });

  it('needs a channel and a chaincode name, and closes what it owns', async () => {
    expect(() => createFabricAnchor({ port: port(() => ''), channel: '', chaincode: 'cc' })).toThrow(/channel/);
    let closed = 0;
    await createFabricAnchor({ port: port(() => ''), channel: 'c', chaincode: 'cc', close: () => void closed++ }).close();
    expect(closed).toBe(1);
  });
});
