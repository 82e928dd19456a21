import type { Anchor, AnchoredCheckpoint } from '@evidence/core';
import type { BatchLog } from '../log/batch-log.js';
import type { BatchStore, LogStore } from '../ports/store.js';

export type HistoryProblem =
  | 'GATEWAY_NOT_REGISTERED'
  | 'KEY_MISMATCH'
  | 'CHAIN_LOST_HISTORY'
  | 'CHAIN_AHEAD'
  | 'CHAIN_FORK';

export type HistoryCheck =
  | { ok: true; chainCheckpoint: AnchoredCheckpoint | null; message: string }
  | { ok: false; problem: HistoryProblem; message: string };

/**
 * Before anchoring anything, compares what this gateway knows it anchored with
 * what the chain holds. A development chain that was reset, a wrong contract
 * address or a data folder from elsewhere would otherwise make the gateway
 * anchor "into the void": checkpoints would land on a chain that cannot prove
 * the earlier ones, or be refused forever. Both ways of anchoring are
 * compared: batches anchored one by one (version 1 data) and checkpoints of
 * the batch log. Throws when the chain cannot be reached (the caller
 * retries); returns a problem when it can and disagrees.
 */
export async function checkChainHistory(
  anchor: Anchor,
  store: Pick<BatchStore, 'getBatch'> & Pick<LogStore, 'lastAnchoredCheckpoint'>,
  log: Pick<BatchLog, 'size' | 'root'>,
  gatewayId: string,
  publicKey: string,
): Promise<HistoryCheck> {
  const closed = log.size;
  const [latestBatch, chainCheckpoint, localCheckpoint] = await Promise.all([
    anchor.latest(gatewayId),
    anchor.latestCheckpoint(gatewayId),
    store.lastAnchoredCheckpoint(),
  ]);

  const localSize = localCheckpoint?.checkpoint.size ?? 0;
  const chainSize = chainCheckpoint?.size ?? 0;
  if (localSize > chainSize) {
    return fail(
      'CHAIN_LOST_HISTORY',
      `this gateway anchored its log up to size ${localSize}, but the chain's anchor knows ${chainSize === 0 ? 'no checkpoint' : `only size ${chainSize}`}: ` +
        'the chain was reset or the contract address is wrong. Anchoring is halted. / 链上缺少本网关已锚定的检查点（链被重置或合约地址错误），已停止锚定。',
    );
  }
  const chainSeq = latestBatch?.seq ?? -1;
  if (chainSize > closed || chainSeq >= closed) {
    return fail(
      'CHAIN_AHEAD',
      `the chain holds ${chainSize > closed ? `a checkpoint of size ${chainSize}` : `batch ${chainSeq}`} of this gateway but its log has ${closed} batch(es): ` +
        'wrong data folder, or a second gateway with this identity. Anchoring is halted. / 链上记录多于本地数据（数据目录错误或身份重复），已停止锚定。',
    );
  }
  if (chainCheckpoint && (await log.root(chainSize)) !== chainCheckpoint.root) {
    return fail(
      'CHAIN_FORK',
      `the checkpoint of size ${chainSize} on chain (${chainCheckpoint.root}) is not this gateway's log (${await log.root(chainSize)}). Anchoring is halted. / 链上检查点与本地批次日志不一致，已停止锚定。`,
    );
  }
  if (latestBatch) {
    const local = await store.getBatch(chainSeq);
    if (!local || local.headerHash !== latestBatch.headerHash) {
      return fail(
        'CHAIN_FORK',
        `batch ${chainSeq} on chain (${latestBatch.headerHash}) is not this gateway's (${local?.headerHash ?? 'missing'}). Anchoring is halted. / 链上批次与本地不一致，已停止锚定。`,
      );
    }
  }
  const key = await anchor.keyAt(gatewayId, closed);
  if (key === null) {
    return fail(
      'GATEWAY_NOT_REGISTERED',
      `gateway ${gatewayId} is not registered with the anchor contract. Anchoring waits for registration. / 网关未在锚定合约登记。`,
    );
  }
  if (key !== publicKey) {
    return fail(
      'KEY_MISMATCH',
      `the SM2 key registered for this gateway (${key.slice(0, 18)}…) is not the key in its data folder (${publicKey.slice(0, 18)}…). / 链上登记的 SM2 公钥与本地密钥不符。`,
    );
  }
  return {
    ok: true,
    chainCheckpoint,
    message: `chain history matches: log of ${closed} batch(es), anchored up to size ${chainSize}${chainSeq >= 0 ? `, batches 0..${chainSeq} anchored one by one` : ''}`,
  };
}

const fail = (problem: HistoryProblem, message: string): HistoryCheck => ({ ok: false, problem, message });
