import type { Anchor } from '../ports/anchor.js';
import { BUNDLE_FORMAT_V2, type AnyProofBundle, type ProofBundle, type ProofBundleV2 } from './types.js';

export type AnchorCheck =
  | { anchored: true; message: string; /** The chain's own time of the block that anchored the checkpoint (ms); version 2 only. */ anchoredAt?: number }
  | { anchored: false; reason: 'not-anchored' | 'root-mismatch' | 'key-mismatch' | 'witness-key-mismatch' | 'unreachable'; message: string };

/**
 * The online check of spec sections 8 and 12, run after the offline steps
 * pass. The bundle's `anchor` reference is not authenticated (section 13), so
 * the chain is asked by gateway id, seq or size, and root, never by the
 * transaction the bundle names.
 *
 * Version 1: the anchor holds this gateway's batch seq with this root, and
 * signature.publicKey is the key registered for the gateway at that seq.
 * Version 2: the anchor holds this gateway's checkpoint at checkpoint.size
 * with checkpoint.root; the key registered for batch seq is
 * signature.publicKey, and for batch size - 1 (the last batch the checkpoint
 * covers, when the gateway signed it) is log.signature.publicKey; where the
 * anchor keeps a witness registry (witnessKeyAt), a cosignature naming a
 * registered witness must carry that witness's key at the cosignature's time
 * (an impostor using a registered id fails), and cosignatures of witnesses
 * the chain does not know are named in the message, not failed: a verifier
 * trusts those through its policy.
 */
export async function checkAnchor(bundle: AnyProofBundle, anchor: Anchor): Promise<AnchorCheck> {
  try {
    return bundle.format === BUNDLE_FORMAT_V2 ? await checkCheckpointAnchor(bundle, anchor) : await checkBatchAnchor(bundle, anchor);
  } catch (e) {
    return { anchored: false, reason: 'unreachable', message: `anchor check failed: ${(e as Error).message}` };
  }
}

async function checkBatchAnchor(bundle: ProofBundle, anchor: Anchor): Promise<AnchorCheck> {
  const { gateway, seq, root } = bundle.batch;
  const onChain = await anchor.batch(gateway, seq);
  if (!onChain) return { anchored: false, reason: 'not-anchored', message: `batch ${seq} of gateway ${gateway} is not anchored` };
  if (onChain.root !== root) {
    return { anchored: false, reason: 'root-mismatch', message: `anchored root ${onChain.root} differs from batch.root` };
  }
  const mismatch = await keyMismatch(anchor, gateway, seq, bundle.signature.publicKey, 'signature.publicKey');
  if (mismatch) return mismatch;
  return { anchored: true, message: `batch ${seq} is anchored with this root; the key is the gateway's registered key` };
}

async function checkCheckpointAnchor(bundle: ProofBundleV2, anchor: Anchor): Promise<AnchorCheck> {
  const { gateway, size, root } = bundle.log.checkpoint;
  const onChain = await anchor.checkpointAt(gateway, size);
  if (!onChain) {
    return { anchored: false, reason: 'not-anchored', message: `the checkpoint of size ${size} of gateway ${gateway} is not anchored` };
  }
  if (onChain.size !== size || onChain.root !== root) {
    return { anchored: false, reason: 'root-mismatch', message: `the anchored checkpoint of size ${size} has root ${onChain.root}, not checkpoint.root` };
  }
  const batchKey = await keyMismatch(anchor, gateway, bundle.batch.seq, bundle.signature.publicKey, 'signature.publicKey');
  if (batchKey) return batchKey;
  const checkpointKey = await keyMismatch(anchor, gateway, size - 1, bundle.log.signature.publicKey, 'log.signature.publicKey');
  if (checkpointKey) return checkpointKey;
  const witnesses = await checkWitnessKeys(bundle, anchor);
  if ('anchored' in witnesses) return witnesses;
  return {
    anchored: true,
    message: `the checkpoint of size ${size} is anchored with this root; the batch and checkpoint keys are the gateway's registered keys${witnesses.note}`,
    anchoredAt: onChain.anchoredAt,
  };
}

/** Each cosignature against the chain's witness registry, when the anchor has one. */
async function checkWitnessKeys(bundle: ProofBundleV2, anchor: Anchor): Promise<AnchorCheck | { note: string }> {
  if (!anchor.witnessKeyAt || bundle.log.cosignatures.length === 0) return { note: '' };
  const unknown: string[] = [];
  let registered = 0;
  for (const c of bundle.log.cosignatures) {
    const key = await anchor.witnessKeyAt(c.witness, c.ts);
    if (key === null) unknown.push(c.witness);
    else if (key !== c.publicKey) {
      return { anchored: false, reason: 'witness-key-mismatch', message: `the cosignature of witness ${c.witness} is not made with the key registered for it at its time` };
    } else registered++;
  }
  const unknownNote = unknown.length > 0 ? `; ${unknown.length} not registered as witnesses on chain (${unknown.map((w) => w.slice(0, 12)).join(', ')})` : '';
  return { note: `; ${registered} cosignature(s) by registered witnesses with their registered keys${unknownNote}` };
}

/** A key-mismatch verdict when `publicKey` is not the key registered for the gateway at `seq`; null when it is. */
async function keyMismatch(anchor: Anchor, gateway: string, seq: number, publicKey: string, what: string): Promise<AnchorCheck | null> {
  const key = await anchor.keyAt(gateway, seq);
  if (key !== null && key === publicKey) return null;
  return { anchored: false, reason: 'key-mismatch', message: `${what} is not the key registered for seq ${seq}` };
}
