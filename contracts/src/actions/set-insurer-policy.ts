import { sendCall, type TxRef, type WriteClient } from './client.js';
import { kindsMask } from './kinds-mask.js';

/** Policy admin action: registers an insurer on ClaimVerifier with the kinds every claim must include. */
export async function setInsurerPolicy(
  client: WriteClient,
  params: { insurer: string; requiredKinds: readonly (string | number)[] },
): Promise<TxRef> {
  return sendCall(client, 'ClaimVerifier', 'setPolicy', [params.insurer, kindsMask(params.requiredKinds)]);
}
