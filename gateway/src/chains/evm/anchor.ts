import { createEvmAnchor } from '@evidence/contracts';
import type { Anchor, AnchorRef } from '@evidence/core';
import type { SelectedAnchor } from '../backend.js';
import { evmBatchReceipt } from './receipt.js';
import type { EvmSettings } from './settings.js';

/** The EvidenceAnchor adapter of @evidence/contracts, plus the receipt of a batch anchored before a crash. */
export function openEvmAnchor(s: EvmSettings): SelectedAnchor {
  const evm = createEvmAnchor({ rpcUrl: s.rpcUrl, address: s.contract, privateKey: s.privateKey, fromBlock: s.fromBlock });
  const anchor: Anchor & { receiptOf: (gateway: string, seq: number) => Promise<AnchorRef | null> } = {
    chain: 'evm',
    anchor: (h, sig) => evm.anchor(h, sig),
    latest: (g) => evm.latest(g),
    batch: (g, seq) => evm.batch(g, seq),
    keyAt: (g, seq) => evm.keyAt(g, seq),
    anchorCheckpoint: (c, p, sig) => evm.anchorCheckpoint(c, p, sig),
    latestCheckpoint: (g) => evm.latestCheckpoint(g),
    checkpointAt: (g, size) => evm.checkpointAt(g, size),
    checkpoints: (g, from, limit) => evm.checkpoints(g, from, limit),
    checkpointReceipt: (g, size) => evm.checkpointReceipt(g, size),
    receiptOf: (g, seq) => evmBatchReceipt(evm, s, g, seq),
  };
  return { anchor, alg: 'keccak256', close: async () => evm.close() };
}
