import { connectFabricAnchor } from '@evidence/chaincode';
import type { SelectedAnchor } from '../backend.js';

/**
 * The chaincode's Fabric Gateway adapter, as the configured identity; it reads
 * FABRIC_PEER_ENDPOINT, FABRIC_MSP_ID, FABRIC_CERT_PATH, FABRIC_KEY_PATH,
 * FABRIC_TLS_CERT_PATH, FABRIC_CHANNEL, FABRIC_CHAINCODE... from `env`. Its
 * anchor also finds the receipt of a batch anchored before a crash (receiptOf).
 */
export async function openFabricAnchor(env: Readonly<Record<string, string | undefined>>): Promise<SelectedAnchor> {
  const anchor = await connectFabricAnchor(env);
  return { anchor, alg: 'sm3', close: async () => void (await anchor.close?.()) };
}
