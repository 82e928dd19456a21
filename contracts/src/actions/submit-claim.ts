import { EvidenceError, type Leaf } from '@evidence/core';
import { leafTuple, logTuple, proofTuple, to0x, type EvidenceLocation } from '../hex.js';
import { sendForReceipt, type TxRef, type WriteClient } from './client.js';
import { kindsOf } from './kinds-mask.js';
import { contractInterface } from '../artifacts.js';

export interface ClaimItem {
  leaf: Leaf;
  /** With `log` when the leaf's batch is anchored through a checkpoint (a version 2 bundle). */
  location: EvidenceLocation;
}

export interface SubmitClaimParams {
  /** The insurer's claim id, 32 bytes core hex, non-zero. */
  claimId: string;
  /** The patient's pseudonym; every item's leaf must carry it. */
  subject: string;
  items: readonly ClaimItem[];
}

export interface ClaimVerdict extends TxRef {
  verified: true;
  claimId: string;
  /** Kind codes the evidence covers. */
  kinds: number[];
  items: number;
}

/**
 * Insurer action: submits a claim to ClaimVerifier. Resolves with the verdict
 * once the claim is verified on chain; a refusal rejects with a
 * ContractRevertError (code CLAIM_REJECTED) naming the custom error, e.g.
 * `ClaimVerifier__ConsentExpired(item=0, ...)`. Items anchored per batch only
 * go to `submitClaim`; as soon as one item's location carries `log`, the
 * claim goes to `submitClaimViaCheckpoints`, the other items with logSize 0.
 */
export async function submitClaim(client: WriteClient, params: SubmitClaimParams): Promise<ClaimVerdict> {
  const viaCheckpoints = params.items.some((item) => item.location.log !== undefined);
  const items = params.items.map((item) => ({
    leaf: leafTuple(item.leaf),
    proof: proofTuple(item.location),
    ...(viaCheckpoints ? { log: logTuple(item.location.log) } : {}),
  }));
  const receipt = await sendForReceipt(client, 'ClaimVerifier', viaCheckpoints ? 'submitClaimViaCheckpoints' : 'submitClaim', [
    to0x(params.claimId, 32, 'claimId'),
    to0x(params.subject, 32, 'subject'),
    items,
  ]);
  const iface = contractInterface('ClaimVerifier');
  for (const log of receipt.logs) {
    const parsed = iface.parseLog(log);
    if (parsed?.name === 'ClaimVerified') {
      return {
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        verified: true,
        claimId: params.claimId,
        kinds: kindsOf(Number(parsed.args[3] as bigint)),
        items: Number(parsed.args[4] as bigint),
      };
    }
  }
  throw new EvidenceError('CLAIM_REJECTED', `claim ${params.claimId}: no ClaimVerified event in ${receipt.hash}`);
}
