import { SALT_LENGTH, sm3Hex } from '@evidence/core';

/** SM3 input salt || JCS(payload), reused from record to record (one thread, no await in between). */
let scratch = Buffer.allocUnsafe(8192);

/**
 * The commitment to a payload (spec section 4): SM3(salt || JCS(payload)),
 * hex. Also gives the payload's UTF-8 bytes, which the encrypt step seals:
 * a view into a buffer reused by the next call, so use it before then.
 */
export function commit(salt: Uint8Array, text: string, bytes: number): { commitmentHex: string; payloadBytes: Uint8Array } {
  if (scratch.length < SALT_LENGTH + bytes) scratch = Buffer.allocUnsafe(2 * (SALT_LENGTH + bytes));
  scratch.set(salt, 0);
  scratch.write(text, SALT_LENGTH, 'utf8');
  return { commitmentHex: sm3Hex(scratch.subarray(0, SALT_LENGTH + bytes)), payloadBytes: scratch.subarray(SALT_LENGTH, SALT_LENGTH + bytes) };
}
