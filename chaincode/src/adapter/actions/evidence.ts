import type { EvidenceItemInput } from './types.js';

/**
 * A version 2 bundle as the chaincode reads it: without the disclosure (a
 * submitted argument is kept in the block, so a payload sent would be on the
 * ledger for good) and without the members it does not read (signatures,
 * cosignatures, the anchor reference), which only make the argument longer.
 */
export function itemForChaincode(item: EvidenceItemInput): EvidenceItemInput | Record<string, unknown> {
  if (!('format' in item)) return item;
  return { format: item.format, leaf: item.leaf, inclusion: item.inclusion, batch: item.batch, log: { inclusion: item.log.inclusion } };
}
