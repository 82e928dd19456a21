import { JsonRpcProvider, Wallet } from 'ethers';
import { cosignCheckpoint, entityId, generateSm2KeyPair, signCheckpoint, toHex, type Checkpoint, type ProofBundleV2 } from '@evidence/core';
import { createEvmAnchor, localAccounts, registerGateway } from '@evidence/contracts';
import { bundleFor, makeBatchLog, makeSignedBatch } from '../conformance/anchor.js';

export interface AnchoredV2 {
  bundle: ProofBundleV2;
  /** The gateway's code, id and key as registered on chain. */
  gateway: { code: string; id: string; publicKey: string };
  /** Two witnesses that cosigned the checkpoint (not registered on chain: a verifier trusts them through its policy). */
  witnesses: { id: string; publicKey: string; code: string }[];
}

/**
 * A version 2 bundle whose checkpoint is anchored on a running local chain:
 * a gateway of its own registered by the governor (account 0), a log of 9
 * signed batches, the checkpoint of size 9 anchored from account `accountIndex`
 * and cosigned by two witnesses; the bundle proves batch 5.
 */
export async function anchoredV2Bundle(rpcUrl: string, contract: string, code: string, accountIndex: number): Promise<AnchoredV2> {
  const key = generateSm2KeyPair();
  const g = { id: toHex(entityId(code)), ...key };
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: false });
  try {
    const governor = { signer: new Wallet(localAccounts()[0]!.privateKey, provider), address: contract };
    await registerGateway(governor, { gateway: g.id, account: localAccounts()[accountIndex]!.address, publicKey: g.publicKey });
  } finally {
    provider.destroy();
  }
  const anchor = createEvmAnchor({ rpcUrl, address: contract, privateKey: localAccounts()[accountIndex]!.privateKey });
  try {
    const log = makeBatchLog('keccak256', g, 9);
    const checkpoint: Checkpoint = { gateway: g.id, alg: 'keccak256', size: 9, root: toHex(log.tree(9).root), ts: Date.now() };
    const ref = await anchor.anchorCheckpoint(checkpoint, [], signCheckpoint(checkpoint, g.privateKey));
    const batch = makeSignedBatch('keccak256', g, 5, log.headers[5]!.prev, 1);
    const witnesses = ['WIT-COURT-01', 'WIT-COURT-02'].map((c) => ({ code: c, id: toHex(entityId(c)), ...generateSm2KeyPair() }));
    const bundle: ProofBundleV2 = {
      ...bundleFor(batch, 0, g.publicKey),
      format: 'evidence-proof/2',
      log: {
        checkpoint,
        signature: { alg: 'sm2', publicKey: g.publicKey, value: toHex(signCheckpoint(checkpoint, g.privateKey)) },
        inclusion: { index: 5, size: 9, path: log.tree(9).proof(5).map(toHex) },
        cosignatures: witnesses.map((w, i) => cosignCheckpoint(checkpoint, w, checkpoint.ts + 10 + i)),
      },
      anchor: ref,
    };
    return { bundle, gateway: { code, id: g.id, publicKey: g.publicKey }, witnesses: witnesses.map(({ id, publicKey, code: c }) => ({ id, publicKey, code: c })) };
  } finally {
    anchor.close();
  }
}
