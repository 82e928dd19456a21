import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { sm2KeyArg } from './sm2-key.js';

export interface RegisterWitnessParams {
  /** Witness id, SM3(utf8(code)), core hex. */
  witness: string;
  account: string;
  /** SM2 public key it cosigns with, core hex 04||x||y. */
  publicKey: string;
}

/**
 * Governor action: registers a standalone witness (a regulator's or a court's
 * node) on EvidenceAnchor. It holds the witness role from this transaction on;
 * a gateway or routing node becomes a witness with setWitness instead.
 */
export async function registerWitness(client: WriteClient, params: RegisterWitnessParams): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'registerWitness', [
    to0x(params.witness, 32, 'witness'),
    params.account,
    sm2KeyArg(params.publicKey),
  ]);
}
