import { checkAnchor, type AnchorCheck, type AnyProofBundle, type TrustPolicy } from '@evidence/core';
import { createEvmAnchor } from '@evidence/contracts';

/** The page's answer when it did not ask any chain: said as "not checked", never as "not anchored". */
export interface NotChecked {
  checked: false;
  message: string;
}

/**
 * The online step of spec sections 8 and 12 from the page: the same adapter
 * and the same checkAnchor the CLI uses (v2: the checkpoint at its size, the
 * keys at seq and size - 1). The chain asked is the trust policy's (the RPC
 * URL and contract a regulator published) or the one the user typed, never
 * the one the bundle names (the bundle's anchor member is its own claim). A
 * Fabric peer speaks gRPC, which a page cannot: it says so and names the CLI.
 */
export async function checkAnchorFromPage(
  bundle: AnyProofBundle,
  typed: { rpcUrl: string; contract: string },
  policy: TrustPolicy | null,
): Promise<(AnchorCheck & { checked: true; contractFromBundle: boolean }) | NotChecked> {
  const evm = policy?.chains.evm;
  const rpcUrl = typed.rpcUrl || evm?.rpcUrl || '';
  const wantsFabric = bundle.anchor?.chain === 'fabric' || (!evm && !typed.rpcUrl && policy?.chains.fabric);
  if (wantsFabric && !typed.rpcUrl) {
    return {
      checked: false,
      message:
        '未核验 not checked：本页面无法连接 Fabric 节点（需要 gRPC 与客户端身份）。请用命令行核验 · this page cannot reach a Fabric peer (gRPC and a client identity are needed); use the CLI: evidence verify BUNDLE.json --trust POLICY.json',
    };
  }
  if (!rpcUrl) {
    return { checked: false, message: '未核验 not checked：没有链的地址。请加载信任策略，或填写链的 RPC 地址 · no chain address: load a trust policy, or enter the chain RPC URL' };
  }
  if (!/^https?:\/\//.test(rpcUrl)) return { checked: false, message: '未核验 not checked：RPC 地址须以 http:// 或 https:// 开头 · the RPC URL must be http or https' };
  // A typed URL without a contract falls back to the contract the bundle names: the bundle's own
  // claim, so such an answer never vouches for the keys (an attacker can name a contract they run).
  const fromBundle = bundle.anchor?.chain === 'evm' ? bundle.anchor.contract : '';
  const address = typed.contract || (typed.rpcUrl ? fromBundle : (evm?.contract ?? ''));
  const contractFromBundle = !typed.contract && Boolean(typed.rpcUrl) && address === fromBundle;
  if (!address) {
    return { checked: false, message: '未核验 not checked：请填写 EvidenceAnchor 合约地址，或加载信任策略 · enter the EvidenceAnchor contract address, or load a trust policy' };
  }
  let anchor;
  try {
    anchor = createEvmAnchor({ rpcUrl, address });
  } catch (e) {
    return { checked: false, message: `未核验 not checked: ${(e as Error).message}` };
  }
  try {
    if (evm && !typed.rpcUrl) {
      const chainId = await anchor.chainId().catch(() => null);
      if (chainId !== null && chainId !== evm.chainId) {
        return { checked: true, contractFromBundle, anchored: false, reason: 'unreachable', message: `链 ${rpcUrl} 的 chain id 为 ${chainId}，信任策略为 ${evm.chainId} · the chain answers as ${chainId}, the trust policy names ${evm.chainId}` };
      }
    }
    return { checked: true, contractFromBundle, ...(await checkAnchor(bundle, anchor)) };
  } finally {
    anchor.close();
  }
}
