import { sm3, toHex, utf8 } from '@evidence/core';
import type { Context } from '../fabric.js';

/** Who signed the proposal, as the peer authenticated it against the channel's MSPs. */
export interface Caller {
  mspId: string;
  /** fabric-shim's x509::<subject DN>::<issuer DN>. */
  clientId: string;
  /** The caller's account: hex SM3(utf8(mspId) || 0x00 || utf8(clientId)). */
  account: string;
}

/**
 * A Fabric identity reduced to one 32-byte account, as an EVM address is for an
 * EVM key: the registry binds gateways, nodes, insurers and the governor to
 * accounts. It depends on the MSP and on the certificate's subject and issuer,
 * not on the certificate bytes, so a certificate renewed by the same CA with the
 * same subject keeps the account; a different subject or CA is a different account.
 */
export function accountOf(mspId: string, clientId: string): string {
  return toHex(sm3(utf8(mspId), new Uint8Array([0]), utf8(clientId)));
}

export function caller(ctx: Context): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  const clientId = ctx.clientIdentity.getID();
  return { mspId, clientId, account: accountOf(mspId, clientId) };
}
