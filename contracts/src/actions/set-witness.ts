import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

/**
 * Governor action: gives a registered gateway or routing node the witness role
 * (it cosigns with the key it already has) or takes it away. A standalone
 * witness keeps the role while registered: deactivate it with setParticipantActive.
 */
export async function setWitness(client: WriteClient, params: { id: string; witness: boolean }): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'setWitness', [to0x(params.id, 32, 'id'), params.witness]);
}
