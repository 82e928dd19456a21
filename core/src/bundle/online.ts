import type { Anchor } from '../ports/anchor.js';
import type { ProofBundle } from './types.js';

export type AnchorCheck =
  | { anchored: true; message: string }
  | { anchored: false; reason: 'not-anchored' | 'root-mismatch' | 'key-mismatch' | 'unreachable'; message: string };

/**
 * The online check of spec section 8, run after the offline steps pass: the
 * anchor holds this gateway's batch seq with this root, and the bundle's key is
 * the one registered for the gateway at that seq.
 */
export async function checkAnchor(bundle: ProofBundle, anchor: Anchor): Promise<AnchorCheck> {
  const { gateway, seq, root } = bundle.batch;
  try {
    const onChain = await anchor.batch(gateway, seq);
    if (!onChain) return { anchored: false, reason: 'not-anchored', message: `batch ${seq} of gateway ${gateway} is not anchored` };
    if (onChain.root !== root) {
      return { anchored: false, reason: 'root-mismatch', message: `anchored root ${onChain.root} differs from batch.root` };
    }
    const key = await anchor.keyAt(gateway, seq);
    if (key === null || key !== bundle.signature.publicKey) {
      return { anchored: false, reason: 'key-mismatch', message: `signature.publicKey is not the key registered for seq ${seq}` };
    }
    return { anchored: true, message: `batch ${seq} is anchored with this root; the key is the gateway's registered key` };
  } catch (e) {
    return { anchored: false, reason: 'unreachable', message: `anchor check failed: ${(e as Error).message}` };
  }
}
