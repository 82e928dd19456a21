import { sm4 } from '@evidence/core';

/**
 * The payload sealed under its record's fresh SM4 key (version byte +
 * ciphertext), written into `into` (1 + payload bytes). No MAC of its own:
 * integrity comes from the commitment, checked again whenever the payload is
 * opened (EvidenceService.openPayload).
 */
export function encrypt(payloadBytes: Uint8Array, dataKey: Uint8Array, into: Uint8Array): Uint8Array {
  return sm4.encryptPayloadInto(payloadBytes, dataKey, into);
}
