import type { Sm2PreparedKey } from '@evidence/core';
import { sm2 } from 'sm-crypto-v2';

/**
 * A prepared key with a window-8 precomputed table: about 30 % faster to
 * verify with than the core's prepared keys (window 4), for about 60 ms and
 * 700 KiB per key. Worth it only for the few keys a device meets on every
 * request (its neighbours, busy gateways), so KeyRing upgrades hot keys only.
 * The key must already be validated (KeyRing prepares it with the core first).
 */
export function prepareFastKey(publicKey: string): Sm2PreparedKey {
  return { publicKey, point: sm2.precomputePublicKey(publicKey, 8) };
}
