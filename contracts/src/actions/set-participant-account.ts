import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

/** Governor action: moves a gateway or node to a new EVM account. */
export async function setParticipantAccount(client: WriteClient, params: { id: string; account: string }): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'setAccount', [to0x(params.id, 32, 'id'), params.account]);
}
