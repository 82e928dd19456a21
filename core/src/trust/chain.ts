import type { AnchorRef } from '../bundle/types.js';
import type { TrustPolicy } from './policy.js';

/** Chain ids of local development chains (Hardhat, Ganache/Geth dev): no court should rely on them. */
const DEVELOPMENT_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

export interface ChainLabel {
  zh: string;
  en: string;
  /** development: a local test chain; unknown: not the chain the trust policy names (or no policy to say). */
  flag: 'development' | 'unknown' | 'trusted' | null;
}

/**
 * How a report names the chain a bundle's anchor points at. The anchor member
 * is the bundle's own claim (spec section 13): the online check asks the
 * policy's chain, not this one; the label only warns when they differ.
 */
export function chainLabel(anchor: AnchorRef | null | undefined, policy: TrustPolicy | null): ChainLabel {
  if (!anchor) return { zh: '证明包未写明锚定交易', en: 'the bundle names no anchor transaction', flag: null };
  if (anchor.chain === 'fabric') {
    const trusted = policy?.chains.fabric && policy.chains.fabric.channel === anchor.channel && policy.chains.fabric.chaincode === anchor.chaincode;
    const text = { zh: `Fabric 通道 ${anchor.channel} 链码 ${anchor.chaincode} 交易 ${anchor.txId}`, en: `Fabric channel ${anchor.channel}, chaincode ${anchor.chaincode}, tx ${anchor.txId}` };
    return trusted ? { ...text, flag: 'trusted' } : { zh: `${text.zh}（信任策略未列出此链 not in the trust policy）`, en: text.en, flag: policy ? 'unknown' : null };
  }
  const base = { zh: `EVM 链 ${anchor.chainId} 合约 ${anchor.contract} 区块 ${anchor.blockNumber} 交易 ${anchor.txHash}`, en: `EVM chain ${anchor.chainId}, contract ${anchor.contract}, block ${anchor.blockNumber}, tx ${anchor.txHash}` };
  if (DEVELOPMENT_CHAIN_IDS.has(anchor.chainId)) {
    return { zh: `${base.zh}（⚠ 开发测试链，非正式链）`, en: `${base.en} (⚠ a development chain, not a production chain)`, flag: 'development' };
  }
  const evm = policy?.chains.evm;
  if (evm && evm.chainId === anchor.chainId && evm.contract === anchor.contract.toLowerCase()) return { ...base, flag: 'trusted' };
  if (policy) return { zh: `${base.zh}（⚠ 不是信任策略所列的链）`, en: `${base.en} (⚠ not the chain the trust policy names)`, flag: 'unknown' };
  return { ...base, flag: null };
}

export const isDevelopmentChainId = (chainId: number): boolean => DEVELOPMENT_CHAIN_IDS.has(chainId);
