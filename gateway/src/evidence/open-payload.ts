import { decodeLeaf, equalBytes, fromHex, sm3, sm4, toHex } from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { EvidenceRecord } from '../ports/store.js';
import type { KeyVault } from './key-vault.js';

/**
 * Decrypts a record's payload; PAYLOAD_ERASED after erasure. The decrypted
 * bytes must match the leaf's commitment (the anchored integrity check of the
 * payload cipher): anything altered on disk is PAYLOAD_CORRUPT, never served.
 */
export async function openPayload(vault: KeyVault, record: EvidenceRecord): Promise<{ payload: unknown; salt: string }> {
  const dataKey = await vault.dataKey(record.id, record.keyRef);
  if (!record.sealedPayload || !record.salt) {
    throw new GatewayError('PAYLOAD_ERASED', `the payload of ${record.id} was erased; only its commitment remains`);
  }
  const plain =
    record.sealedPayload[0] === sm4.PAYLOAD_VERSION
      ? sm4.decryptPayload(record.sealedPayload, dataKey)
      : // Records written before the payload cipher: an authenticated envelope bound to the record id.
        sm4.open(record.sealedPayload, dataKey, fromHex(record.id, 16));
  if (!equalBytes(sm3(record.salt, plain), fromHex(decodeLeaf(record.leaf).commitment, 32))) {
    throw new GatewayError('PAYLOAD_CORRUPT', `the stored payload of ${record.id} does not match its commitment`);
  }
  return { payload: JSON.parse(Buffer.from(plain).toString('utf8')) as unknown, salt: toHex(record.salt) };
}
