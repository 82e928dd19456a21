import { LEAF_LENGTH } from '@evidence/core';
import type { BatchRecord, EvidenceRecord, KeyRef } from '../../ports/store.js';

/**
 * Binary layouts of the values kept in LevelDB. A record is written once per
 * acknowledged event on the hot path, so it is packed by hand rather than as
 * JSON with hex or base64 strings.
 *
 * record = version(1) || receivedAt(8) || erasedAt(8) || leaf(122) || saltLen(1) || salt
 *          || clientLen(2) || client || idemLen(2) || idem || hasKey(1) || keyBlock(16) || keyIndex(4) || payloadLen(4) || sealedPayload
 */
const RECORD_VERSION = 1;

export function encodeRecord(r: EvidenceRecord): Uint8Array {
  // Text fields are written straight into the value: no intermediate buffer per field and record.
  const idemKey = r.idempotencyKey ?? '';
  const clientLength = Buffer.byteLength(r.client, 'utf8');
  const idemLength = Buffer.byteLength(idemKey, 'utf8');
  const salt = r.salt ?? new Uint8Array(0);
  const sealed = r.sealedPayload ?? new Uint8Array(0);
  const size = 1 + 8 + 8 + LEAF_LENGTH + 1 + salt.length + 2 + clientLength + 2 + idemLength + 1 + 16 + 4 + 4 + sealed.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  out[o++] = RECORD_VERSION;
  out.writeDoubleBE(r.receivedAt, o);
  o += 8;
  out.writeDoubleBE(r.erasedAt ?? 0, o);
  o += 8;
  out.set(r.leaf, o);
  o += LEAF_LENGTH;
  out[o++] = salt.length;
  out.set(salt, o);
  o += salt.length;
  out.writeUInt16BE(clientLength, o);
  o += 2;
  o += out.write(r.client, o, clientLength, 'utf8');
  out.writeUInt16BE(idemLength, o);
  o += 2;
  o += out.write(idemKey, o, idemLength, 'utf8');
  out[o++] = r.keyRef ? 1 : 0;
  if (r.keyRef) out.write(r.keyRef.block, o, 16, 'hex');
  else out.fill(0, o, o + 16);
  o += 16;
  out.writeUInt32BE(r.keyRef?.index ?? 0, o);
  o += 4;
  out.writeUInt32BE(sealed.length, o);
  o += 4;
  out.set(sealed, o);
  return out;
}

export function decodeRecord(id: string, bytes: Uint8Array): EvidenceRecord {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] !== RECORD_VERSION) throw new Error(`record ${id}: unknown layout version ${b[0]}`);
  let o = 1;
  const receivedAt = b.readDoubleBE(o);
  o += 8;
  const erasedAt = b.readDoubleBE(o);
  o += 8;
  const leaf = new Uint8Array(b.subarray(o, o + LEAF_LENGTH));
  o += LEAF_LENGTH;
  const saltLen = b[o++]!;
  const salt = saltLen > 0 ? new Uint8Array(b.subarray(o, o + saltLen)) : null;
  o += saltLen;
  const clientLen = b.readUInt16BE(o);
  o += 2;
  const client = b.toString('utf8', o, o + clientLen);
  o += clientLen;
  const idemLen = b.readUInt16BE(o);
  o += 2;
  const idem = b.toString('utf8', o, o + idemLen);
  o += idemLen;
  const hasKey = b[o++] === 1;
  const keyRef: KeyRef | null = hasKey ? { block: b.toString('hex', o, o + 16), index: b.readUInt32BE(o + 16) } : null;
  o += 20;
  const sealedLen = b.readUInt32BE(o);
  o += 4;
  const sealedPayload = sealedLen > 0 ? new Uint8Array(b.subarray(o, o + sealedLen)) : null;
  const record: EvidenceRecord = { id, leaf, salt, client, receivedAt, keyRef, sealedPayload };
  if (idem) record.idempotencyKey = idem;
  if (erasedAt > 0) record.erasedAt = erasedAt;
  return record;
}

/** batch = jsonLen(4) || JSON(header, signature, headerHash, anchor...) || leaves */
export function encodeBatch(b: BatchRecord): Uint8Array {
  const { leaves, ...meta } = b;
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length + leaves.length);
  out.writeUInt32BE(json.length, 0);
  out.set(json, 4);
  out.set(leaves, 4 + json.length);
  return out;
}

export function decodeBatch(bytes: Uint8Array): BatchRecord {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = b.readUInt32BE(0);
  const meta = JSON.parse(b.toString('utf8', 4, 4 + len)) as Omit<BatchRecord, 'leaves'>;
  return { ...meta, leaves: new Uint8Array(b.subarray(4 + len)) };
}

/** pending value = leaf(122) || receivedAt(8): one entry per record, as earlier versions wrote them (still read). */
export function encodePending(leaf: Uint8Array, receivedAt: number): Uint8Array {
  const out = Buffer.allocUnsafe(LEAF_LENGTH + 8);
  out.set(leaf, 0);
  out.writeDoubleBE(receivedAt, LEAF_LENGTH);
  return out;
}

export function decodePending(bytes: Uint8Array): { leaf: Uint8Array; receivedAt: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { leaf: new Uint8Array(b.subarray(0, LEAF_LENGTH)), receivedAt: b.readDoubleBE(LEAF_LENGTH) };
}

/**
 * pending group = (leaf(122) || receivedAt(8))*: the records of one append,
 * still waiting for a batch. The record id is inside its leaf (bytes 2..18).
 */
export function encodePendingGroup(records: readonly { leaf: Uint8Array; receivedAt: number }[]): Uint8Array {
  const size = LEAF_LENGTH + 8;
  const out = Buffer.allocUnsafe(records.length * size);
  records.forEach((r, i) => {
    out.set(r.leaf, i * size);
    out.writeDoubleBE(r.receivedAt, i * size + LEAF_LENGTH);
  });
  return out;
}

export function decodePendingGroup(bytes: Uint8Array): { id: string; leaf: Uint8Array; receivedAt: number }[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = LEAF_LENGTH + 8;
  if (b.length % size !== 0) throw new Error(`pending group of ${b.length} bytes is not a whole number of entries`);
  const out: { id: string; leaf: Uint8Array; receivedAt: number }[] = [];
  for (let o = 0; o < b.length; o += size) {
    out.push({ id: b.toString('hex', o + 2, o + 18), leaf: new Uint8Array(b.subarray(o, o + LEAF_LENGTH)), receivedAt: b.readDoubleBE(o + LEAF_LENGTH) });
  }
  return out;
}

/** location = seq(8) || index(4) */
export function encodeLocation(seq: number, index: number): Uint8Array {
  const out = Buffer.allocUnsafe(12);
  out.writeDoubleBE(seq, 0);
  out.writeUInt32BE(index, 8);
  return out;
}

export function decodeLocation(bytes: Uint8Array): { seq: number; index: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seq: b.readDoubleBE(0), index: b.readUInt32BE(8) };
}

export const seqKey = (seq: number): string => seq.toString(16).padStart(16, '0');
