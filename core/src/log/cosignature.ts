import { assertUint, concatBytes, fromHex, toHex, utf8, writeUint64 } from '../encoding/bytes.js';
import { sm2Sign, sm2Verify } from '../sm2/sm2.js';
import { encodeCheckpoint, type Checkpoint } from './checkpoint.js';

/** A witness's cosignature of a checkpoint (spec sections 10 and 12). */
export interface Cosignature {
  /** The witness's registered 32-byte id, hex. */
  witness: string;
  /** The witness's clock when it cosigned (ms). */
  ts: number;
  /** The witness's SM2 public key, hex (65 bytes). */
  publicKey: string;
  /** SM2 signature r || s over cosignatureBytes, hex. */
  value: string;
}

export const COSIGNATURE_TAG = 'evidence-cosignature/2';
const TAG_BYTES = concatBytes(utf8(COSIGNATURE_TAG), new Uint8Array([0]));

/** cosignatureBytes = utf8("evidence-cosignature/2") || 0x00 || witness(32) || ts(8) || checkpointBytes. */
export function encodeCosignature(witness: string, ts: number, cp: Checkpoint): Uint8Array {
  const head = new Uint8Array(TAG_BYTES.length + 32 + 8);
  head.set(TAG_BYTES, 0);
  head.set(fromHex(witness, 32, 'cosignature.witness'), TAG_BYTES.length);
  writeUint64(head, TAG_BYTES.length + 32, assertUint(ts, 64, 'cosignature.ts'));
  return concatBytes(head, encodeCheckpoint(cp));
}

/** A witness cosigns a checkpoint it has checked (the checks are the witness's, not this function's). */
export function cosignCheckpoint(cp: Checkpoint, witness: { id: string; privateKey: string; publicKey: string }, ts: number): Cosignature {
  const value = sm2Sign(encodeCosignature(witness.id, ts, cp), witness.privateKey);
  return { witness: witness.id, ts, publicKey: witness.publicKey, value: toHex(value) };
}

/** True when the cosignature verifies over the checkpoint with the key it names; false for malformed fields too. */
export function verifyCosignature(cp: Checkpoint, cosignature: Cosignature): boolean {
  try {
    const message = encodeCosignature(cosignature.witness, cosignature.ts, cp);
    return sm2Verify(message, fromHex(cosignature.value, 64, 'cosignature.value'), cosignature.publicKey);
  } catch {
    return false;
  }
}

