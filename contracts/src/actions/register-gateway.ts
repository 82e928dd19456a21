import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { sm2KeyArg } from './sm2-key.js';

export interface RegisterGatewayParams {
  /** Gateway id, SM3(utf8(code)), core hex. */
  gateway: string;
  /** The EVM account that will anchor its batches. */
  account: string;
  /** SM2 public key, core hex 04||x||y. */
  publicKey: string;
}

/** Governor action: registers a gateway on EvidenceAnchor, active, key valid from seq 0. */
export async function registerGateway(client: WriteClient, params: RegisterGatewayParams): Promise<TxRef> {
  return sendCall(client, 'EvidenceAnchor', 'registerGateway', [
    to0x(params.gateway, 32, 'gateway'),
    params.account,
    sm2KeyArg(params.publicKey),
  ]);
}
