import { checkAnchor, type AnchorCheck, type AnyProofBundle } from '@evidence/core';
import { createEvmAnchor } from '@evidence/contracts';

/**
 * The online step of spec sections 8 and 12 from the page: the same adapter
 * and the same checkAnchor the CLI uses (v2: the checkpoint at its size, the
 * keys at seq and size - 1), talking only to the RPC URL the user typed.
 * The contract defaults to the one the bundle's anchor names.
 */
export async function checkAnchorOverRpc(bundle: AnyProofBundle, rpcUrl: string, contract: string): Promise<AnchorCheck> {
  if (!/^https?:\/\//.test(rpcUrl)) {
    return { anchored: false, reason: 'unreachable', message: '请填写链的 RPC 地址 · enter the chain RPC URL (http or https)' };
  }
  const address = contract || (bundle.anchor?.chain === 'evm' ? bundle.anchor.contract : '');
  if (!address) {
    return { anchored: false, reason: 'unreachable', message: '请填写合约地址 · enter the EvidenceAnchor contract address' };
  }
  let anchor;
  try {
    anchor = createEvmAnchor({ rpcUrl, address });
  } catch (e) {
    return { anchored: false, reason: 'unreachable', message: (e as Error).message };
  }
  try {
    return await checkAnchor(bundle, anchor);
  } finally {
    anchor.close();
  }
}
