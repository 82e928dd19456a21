import { prepareSm2PublicKey, type Sm2PreparedKey } from '@evidence/core';

/**
 * A prepared key with a window-8 table: about a third faster to verify with
 * than the core's default (window 4), for about 25 ms and 700 KiB per key.
 * Worth it only for the few keys a device meets on every request (its
 * neighbours, busy gateways), so KeyRing upgrades hot keys only.
 */
export function prepareFastKey(publicKey: string): Sm2PreparedKey {
  return prepareSm2PublicKey(publicKey, 8);
}
