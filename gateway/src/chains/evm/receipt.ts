import { contractInterface, type EvmAnchor } from '@evidence/contracts';
import type { AnchorRef } from '@evidence/core';
import type { EvmSettings } from './settings.js';

/**
 * The receipt of a batch anchored before a crash lost it: the transaction of
 * its BatchAnchored(gateway, seq) event.
 */
export async function evmBatchReceipt(evm: EvmAnchor, s: EvmSettings, gateway: string, seq: number): Promise<AnchorRef | null> {
  const topic = contractInterface('EvidenceAnchor').getEvent('BatchAnchored')!.topicHash;
  const { provider, chainId } = await evm.connection();
  const logs = await provider.getLogs({
    address: s.contract,
    topics: [topic, `0x${gateway}`, `0x${seq.toString(16).padStart(64, '0')}`],
    fromBlock: s.fromBlock,
    toBlock: 'latest',
  });
  const log = logs[0];
  if (!log) return null;
  return { chain: 'evm', chainId, contract: s.contract.toLowerCase(), txHash: log.transactionHash, blockNumber: log.blockNumber };
}
