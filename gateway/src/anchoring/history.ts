import type { Anchor } from '@evidence/core';
import type { BatchStore } from '../ports/store.js';

export type HistoryProblem =
  | 'GATEWAY_NOT_REGISTERED'
  | 'KEY_MISMATCH'
  | 'CHAIN_LOST_HISTORY'
  | 'CHAIN_AHEAD'
  | 'CHAIN_FORK';

export type HistoryCheck =
  | { ok: true; chainSeq: number; message: string }
  | { ok: false; problem: HistoryProblem; message: string };

/**
 * Before anchoring anything, compares what this gateway knows it anchored with
 * what the chain holds. A development chain that was reset, a wrong contract
 * address or a data folder from elsewhere would otherwise make the gateway
 * anchor "into the void": batches would land on a chain that cannot prove the
 * earlier ones, or be refused forever. Throws when the chain cannot be reached
 * (the caller retries); returns a problem when it can and disagrees.
 */
export async function checkChainHistory(anchor: Anchor, store: BatchStore, gatewayId: string, publicKey: string): Promise<HistoryCheck> {
  const closed = (await store.head())?.seq ?? -1;
  const anchored = await store.anchoredHead();
  const latest = await anchor.latest(gatewayId);
  const chainSeq = latest?.seq ?? -1;

  if (anchored > chainSeq) {
    return {
      ok: false,
      problem: 'CHAIN_LOST_HISTORY',
      message:
        `this gateway anchored batches up to seq ${anchored}, but the chain's contract knows ${chainSeq < 0 ? 'none' : `only up to ${chainSeq}`}: ` +
        'the chain was reset or the contract address is wrong. Anchoring is halted. / 链上缺少本网关已锚定的批次（链被重置或合约地址错误），已停止锚定。',
    };
  }
  if (chainSeq > closed) {
    return {
      ok: false,
      problem: 'CHAIN_AHEAD',
      message:
        `the chain holds batch ${chainSeq} of this gateway but its data ends at ${closed}: wrong data folder, or a second gateway with this identity. Anchoring is halted. / 链上批次多于本地数据（数据目录错误或身份重复），已停止锚定。`,
    };
  }
  if (chainSeq >= 0) {
    const local = await store.getBatch(chainSeq);
    if (!local || local.headerHash !== latest!.headerHash) {
      return {
        ok: false,
        problem: 'CHAIN_FORK',
        message: `batch ${chainSeq} on chain (${latest!.headerHash}) is not this gateway's (${local?.headerHash ?? 'missing'}). Anchoring is halted. / 链上批次与本地不一致，已停止锚定。`,
      };
    }
  }
  const key = await anchor.keyAt(gatewayId, closed + 1);
  if (key === null) {
    return {
      ok: false,
      problem: 'GATEWAY_NOT_REGISTERED',
      message: `gateway ${gatewayId} is not registered with the anchor contract. Anchoring waits for registration. / 网关未在锚定合约登记。`,
    };
  }
  if (key !== publicKey) {
    return {
      ok: false,
      problem: 'KEY_MISMATCH',
      message: `the SM2 key registered for this gateway (${key.slice(0, 18)}…) is not the key in its data folder (${publicKey.slice(0, 18)}…). / 链上登记的 SM2 公钥与本地密钥不符。`,
    };
  }
  return { ok: true, chainSeq, message: `chain history matches: ${chainSeq + 1} batch(es) anchored, ${closed + 1} closed` };
}
