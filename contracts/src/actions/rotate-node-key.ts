import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { sm2KeyArg } from './sm2-key.js';

/** Governor action: rotates a routing node's SM2 key, effective from now (EvidenceAnchor.keyAtTime). */
export async function rotateNodeKey(client: WriteClient, params: { node: string; publicKey: string }): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'rotateKey', [to0x(params.node, 32, 'node'), sm2KeyArg(params.publicKey)]);
}
