import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEvmAnchor,
  deployAll,
  listWitnesses,
  loadDeployment,
  localAccounts,
  registerGateway,
  saveDeployment,
  setWitness,
  startLocalChain,
  type Deployment,
  type LocalChain,
} from '@evidence/contracts';
import { JsonRpcProvider, Wallet } from 'ethers';

export interface StackChain {
  chain: LocalChain;
  deployment: Deployment;
  provider: JsonRpcProvider;
  /** Registers the gateway unless it already is; returns what happened. */
  ensureRegistered(gatewayId: string, publicKey: string, accountIndex: number): Promise<'registered' | 'already' | 'other-key'>;
  /**
   * Gives a registered gateway or routing node the witness role on EvidenceAnchor unless it holds it, so a
   * verifier's `evidence witnesses export` lists it. 'unsupported': contracts deployed before the role existed.
   */
  ensureWitness(id: string): Promise<'set' | 'already' | 'unsupported'>;
  close(): Promise<void>;
}

/**
 * The local chain: Hardhat on 127.0.0.1 with every transaction journaled in
 * .local/chain/journal.jsonl and replayed at the next start, so contract
 * addresses, transaction hashes and block numbers (hence proofs issued before)
 * survive restarts. Contracts are deployed once and their addresses kept in
 * .local/deployment.json.
 */
export async function startStackChain(dir: string, port: number, blockTime: number, say: (m: string) => void): Promise<StackChain> {
  let chain: LocalChain;
  try {
    chain = await startLocalChain({ port, journalPath: join(dir, 'chain', 'journal.jsonl'), blockTimeMs: Math.round(blockTime * 1000) });
  } catch (e) {
    const m = (e as Error).message;
    if (/EADDRINUSE/.test(m)) throw new Error(`port ${port} is in use: pass --chain-port / 端口 ${port} 已被占用，请用 --chain-port 指定其他端口`);
    throw e;
  }
  const blocks = chain.blockTimeMs === 0 ? 'every transaction mined at once / 即时出块' : `a block every ${chain.blockTimeMs / 1000} s / 每 ${chain.blockTimeMs / 1000} 秒出块`;
  say(`chain / 区块链  ${chain.rpcUrl}  (chain id ${chain.chainId}, ${blocks}, ${chain.replayed} journaled entries replayed / 已重放 ${chain.replayed} 条记录)`);
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const governor = new Wallet(localAccounts()[0]!.privateKey, provider);
  const deploymentPath = join(dir, 'deployment.json');

  let deployment: Deployment | null = existsSync(deploymentPath) ? loadDeployment(deploymentPath) : null;
  if (deployment && (await provider.getCode(deployment.contracts.EvidenceAnchor)) === '0x') {
    say(
      'WARNING: .local/deployment.json names contracts this chain does not have (its journal is gone); deploying anew. ' +
        'Gateways that anchored on the old chain will refuse to anchor: delete .local/ to start afresh. / ' +
        '警告：链上没有记录中的合约（日志丢失），将重新部署；曾在旧链锚定的网关会拒绝锚定，如需重置请删除 .local/。',
    );
    deployment = null;
  }
  if (!deployment) {
    deployment = await deployAll({ signer: governor });
    saveDeployment(deploymentPath, deployment);
    say(`contracts deployed / 合约已部署  EvidenceAnchor ${deployment.contracts.EvidenceAnchor}`);
  } else {
    say(`contracts reused / 沿用合约  EvidenceAnchor ${deployment.contracts.EvidenceAnchor}`);
  }
  const reader = createEvmAnchor({ provider, address: deployment.contracts.EvidenceAnchor });
  const address = deployment.contracts.EvidenceAnchor;

  return {
    chain,
    deployment,
    provider,
    async ensureRegistered(gatewayId, publicKey, accountIndex) {
      const key = await reader.keyAt(gatewayId, 0);
      if (key === publicKey) return 'already';
      if (key !== null) return 'other-key';
      await registerGateway({ signer: governor, address }, { gateway: gatewayId, account: localAccounts()[accountIndex]!.address, publicKey });
      return 'registered';
    },
    async ensureWitness(id) {
      let listed: string[];
      try {
        listed = (await listWitnesses({ runner: provider, address })).map((w) => w.id);
      } catch {
        // A deployment kept from before witnesses were registered on chain has no countWitnesses to call.
        return 'unsupported';
      }
      if (listed.includes(id)) return 'already';
      await setWitness({ signer: governor, address }, { id, witness: true });
      return 'set';
    },
    async close() {
      reader.close();
      provider.destroy();
      await chain.close();
    },
  };
}
