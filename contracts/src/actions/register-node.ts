import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { sm2KeyArg } from './sm2-key.js';

export interface RegisterNodeParams {
  /** Routing node id, SM3(utf8(code)), core hex. */
  node: string;
  account: string;
  /** SM2 public key, core hex 04||x||y. */
  publicKey: string;
}

/** Governor action: registers a routing node on EvidenceAnchor. */
export async function registerNode(client: WriteClient, params: RegisterNodeParams): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'registerNode', [
    to0x(params.node, 32, 'node'),
    params.account,
    sm2KeyArg(params.publicKey),
  ]);
}
