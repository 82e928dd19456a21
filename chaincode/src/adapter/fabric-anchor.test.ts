import { describe, expect, it } from 'vitest';
import { fromHex, signCheckpoint, signHeader, generateSm2KeyPair, verifyCheckpointSignature, type BatchHeader, type Checkpoint } from '@evidence/core';
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

  describe('checkpoints', () => {
    const checkpoint: Checkpoint = { gateway: 'ab'.repeat(32), alg: 'sm3', size: 5, root: 'cd'.repeat(32), ts: 1_764_000_000_000 };
    const proof = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const record = (index: number, size: number) => ({ gateway: checkpoint.gateway, index, alg: 'sm3', size, root: 'ee'.repeat(32), ts: 10 + index, signature: 'ff'.repeat(64), anchoredAt: 20 + index, txId: `tx${index}` });

    it('anchors with the signature from checkpointSignature, the checkpoint as JCS and the proof as hex', async () => {
      const p = port(() => '{"txId":"beef","gateway":"x","index":0,"size":5,"root":"y"}');
      const anchor = createFabricAnchor({ port: p, channel: 'evidence', chaincode: 'anchor', checkpointSignature: (cp) => signCheckpoint(cp, keys.privateKey) });
      expect(await anchor.anchorCheckpoint(checkpoint, proof)).toEqual({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: 'beef' });
      const [name, cp, sig, proofArg] = p.calls[0]!;
      expect(name).toBe('anchor:AnchorCheckpoint');
      expect(cp).toBe(JSON.stringify({ alg: 'sm3', gateway: checkpoint.gateway, root: checkpoint.root, size: 5, ts: checkpoint.ts }));
      expect(verifyCheckpointSignature(checkpoint, fromHex(sig, 64), keys.publicKey)).toBe(true);
      expect(JSON.parse(proofArg!)).toEqual(['01'.repeat(32), '02'.repeat(32)]);
    });

    it('anchors with a signature given by the caller, whatever checkpointSignature is', async () => {
      const p = port(() => '{"txId":"cafe"}');
      const signature = signCheckpoint(checkpoint, keys.privateKey);
      const anchor = createFabricAnchor({ port: p, channel: 'c', chaincode: 'cc' });
      expect(await anchor.anchorSignedCheckpoint(checkpoint, signature, [])).toMatchObject({ txId: 'cafe' });
      expect(p.calls[0]!.slice(2)).toEqual([Buffer.from(signature).toString('hex'), '[]']);
    });

    it('refuses before any call: no signature source, a malformed checkpoint, signature or proof', async () => {
      const p = port(() => '{"txId":"x"}');
      const unsigned = createFabricAnchor({ port: p, channel: 'c', chaincode: 'cc' });
      await expect(unsigned.anchorCheckpoint(checkpoint, [])).rejects.toMatchObject({ code: 'ANCHOR_REJECTED' });
      const anchor = createFabricAnchor({ port: p, channel: 'c', chaincode: 'cc', checkpointSignature: () => new Uint8Array(64) });
      await expect(anchor.anchorCheckpoint({ ...checkpoint, root: 'zz' }, [])).rejects.toMatchObject({ code: 'EVIDENCE_BAD_HEX' });
      await expect(anchor.anchorCheckpoint({ ...checkpoint, size: 0 }, [])).rejects.toMatchObject({ code: 'MERKLE_EMPTY_TREE' });
      await expect(anchor.anchorCheckpoint(checkpoint, [new Uint8Array(31)])).rejects.toMatchObject({ code: 'MERKLE_BAD_PATH_LENGTH' });
      await expect(anchor.anchorSignedCheckpoint(checkpoint, new Uint8Array(63), [])).rejects.toMatchObject({ code: 'EVIDENCE_BAD_LENGTH' });
      const shortSigner = createFabricAnchor({ port: p, channel: 'c', chaincode: 'cc', checkpointSignature: () => new Uint8Array(10) });
      await expect(shortSigner.anchorCheckpoint(checkpoint, [])).rejects.toMatchObject({ code: 'EVIDENCE_BAD_LENGTH' });
      await expect(anchor.checkpointAt(checkpoint.gateway, -1)).rejects.toMatchObject({ code: 'EVIDENCE_BAD_INTEGER' });
      await expect(anchor.checkpoints(checkpoint.gateway, 0, 1.5)).rejects.toMatchObject({ code: 'EVIDENCE_BAD_INTEGER' });
      expect(p.calls).toEqual([]);
    });

    it('returns exactly the AnchoredCheckpoint fields, and the receipt from the stored transaction id', async () => {
      const anchor = createFabricAnchor({ port: port(() => JSON.stringify(record(2, 9))), channel: 'c', chaincode: 'cc' });
      const expected = { gateway: checkpoint.gateway, index: 2, size: 9, root: 'ee'.repeat(32), ts: 12, anchoredAt: 22 };
      expect(await anchor.latestCheckpoint(checkpoint.gateway)).toEqual(expected);
      expect(await anchor.checkpointAt(checkpoint.gateway, 9)).toEqual(expected);
      expect(await anchor.checkpointReceipt(checkpoint.gateway, 9)).toEqual({ chain: 'fabric', channel: 'c', chaincode: 'cc', txId: 'tx2' });
      const none = createFabricAnchor({ port: port(() => 'null'), channel: 'c', chaincode: 'cc' });
      expect(await none.latestCheckpoint(checkpoint.gateway)).toBeNull();
      expect(await none.checkpointAt(checkpoint.gateway, 9)).toBeNull();
      expect(await none.checkpointReceipt(checkpoint.gateway, 9)).toBeNull();
    });

    it('pages through ListCheckpoints 100 at a time, up to the limit or the end', async () => {
      const total = 230;
      const p = port((name, args) => {
        expect(name).toBe('anchor:ListCheckpoints');
        const [, from, limit] = args.map(Number);
        const page = [];
        for (let i = from!; i < Math.min(total, from! + limit!); i++) page.push(record(i, i + 1));
        return JSON.stringify(page);
      });
      const anchor = createFabricAnchor({ port: p, channel: 'c', chaincode: 'cc' });
      const all = await anchor.checkpoints(checkpoint.gateway, 0, 1000);
      expect(all.map((c) => c.index)).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(p.calls.map((c) => c.slice(2))).toEqual([['0', '100'], ['100', '100'], ['200', '100']]);
      p.calls.length = 0;
      expect((await anchor.checkpoints(checkpoint.gateway, 5, 150)).map((c) => c.index)).toEqual(Array.from({ length: 150 }, (_, i) => i + 5));
      expect(p.calls.map((c) => c.slice(2))).toEqual([['5', '100'], ['105', '50']]);
      p.calls.length = 0;
      expect(await anchor.checkpoints(checkpoint.gateway, 0, 0)).toEqual([]);
      expect(p.calls).toEqual([]);
    });
  });
});
