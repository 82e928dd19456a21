import type { Anchor } from '../index.js';
import { UsageError } from './args.js';
import { importAdapter } from './adapter-module.js';

/**
 * The online check needs an EVM client, which the pure core must not depend
 * on: the adapter in @evidence/contracts is loaded only when --rpc is given.
 */
interface EvmAdapterModule {
  createEvmAnchor(options: { rpcUrl: string; address: string }): Anchor;
  loadDeployment?(path: string): Promise<{ contracts: { EvidenceAnchor: string } }>;
}

export async function loadEvmAnchor(rpcUrl: string, contract: string | undefined): Promise<Anchor> {
  const mod = await importAdapter<EvmAdapterModule>('@evidence/contracts');
  const address = contract ?? process.env.EVIDENCE_ANCHOR_ADDRESS;
  if (!address) throw new UsageError('--rpc needs --contract ADDRESS (or EVIDENCE_ANCHOR_ADDRESS)');
  return mod.createEvmAnchor({ rpcUrl, address });
}
