import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

/** Governor action: deactivates (it can no longer anchor or record) or reactivates a gateway or node. */
export async function setParticipantActive(client: WriteClient, params: { id: string; active: boolean }): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'setActive', [to0x(params.id, 32, 'id'), params.active]);
}
