import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { sm2KeyArg } from './sm2-key.js';

/**
 * Governor action: rotates a gateway's SM2 key, effective from its next seq.
 * Older batches keep the key they were signed with (EvidenceAnchor.keyAt).
 */
export async function rotateGatewayKey(client: WriteClient, params: { gateway: string; publicKey: string }): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'rotateKey', [to0x(params.gateway, 32, 'gateway'), sm2KeyArg(params.publicKey)]);
}
