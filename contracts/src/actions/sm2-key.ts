import { EvidenceError, isValidSm2PublicKey } from '@evidence/core';
import { to0x } from '../hex.js';

/** An SM2 public key (core hex, 65 bytes 04||x||y, on the curve) as contract bytes. */
export function sm2KeyArg(publicKey: string): string {
  if (!isValidSm2PublicKey(publicKey)) {
    throw new EvidenceError('SM2_BAD_PUBLIC_KEY', 'publicKey must be an SM2 point 04||x||y (65 bytes, lowercase hex)');
  }
  return to0x(publicKey, 65, 'publicKey');
}
