import type { Anchor, AnchorRef, HashAlg } from '@evidence/core';
import type { GatewayConfig } from '../config/schema.js';

/** An anchor adapter as the gateway holds it: the port, plus how to release it. */
export interface SelectedAnchor {
  anchor: Anchor;
  alg: HashAlg;
  close(): Promise<void>;
}

/** The parts of @evidence/contracts the gateway uses, loaded only when ANCHOR=evm. */
interface ContractsModule {
  createEvmAnchor(o: { rpcUrl: string; address: string; privateKey: string; fromBlock?: number }): Anchor & {
    connection(): Promise<{ provider: LogSource; chainId: number }>;
    close(): void;
  };
  contractInterface(name: 'EvidenceAnchor'): unknown;
}

/** The slice of an ethers provider used to find past receipts. */
interface LogSource {
  getLogs(filter: { address: string; topics: (string | null)[]; fromBlock: number; toBlock: string }): Promise<{ transactionHash: string; blockNumber: number }[]>;
}

interface ChaincodeModule {
  connectFabricAnchor(env: Readonly<Record<string, string | undefined>>): Promise<Anchor & { close?: () => void | Promise<void> }>;
}

/**
 * Builds the configured Anchor (spec: batch alg follows the anchor, keccak256
 * on EVM, sm3 on Fabric). The chain packages are imported lazily so a gateway
 * configured for one chain never loads the other's client libraries.
 */
export async function selectAnchor(config: GatewayConfig, env: Readonly<Record<string, string | undefined>> = process.env): Promise<SelectedAnchor | null> {
  if (config.ANCHOR === 'none') return null;
  if (config.ANCHOR === 'fabric') {
    const mod = (await import('@evidence/chaincode' as string)) as ChaincodeModule;
    const anchor = await mod.connectFabricAnchor(env);
    return { anchor, alg: 'sm3', close: async () => void (await anchor.close?.()) };
  }
  const mod = (await import('@evidence/contracts' as string)) as ContractsModule;
  const privateKey = config.EVM_PRIVATE_KEY!.startsWith('0x') ? config.EVM_PRIVATE_KEY! : `0x${config.EVM_PRIVATE_KEY}`;
  const evm = mod.createEvmAnchor({ rpcUrl: config.EVM_RPC_URL!, address: config.EVM_CONTRACT!, privateKey, fromBlock: config.EVM_FROM_BLOCK });
  const anchor: Anchor & { receiptOf: (gateway: string, seq: number) => Promise<AnchorRef | null> } = {
    chain: 'evm',
    anchor: (h, s) => evm.anchor(h, s),
    latest: (g) => evm.latest(g),
    batch: (g, s) => evm.batch(g, s),
    keyAt: (g, s) => evm.keyAt(g, s),
    anchorCheckpoint: (c, p, s) => evm.anchorCheckpoint(c, p, s),
    latestCheckpoint: (g) => evm.latestCheckpoint(g),
    checkpointAt: (g, s) => evm.checkpointAt(g, s),
    checkpoints: (g, f, l) => evm.checkpoints(g, f, l),
    checkpointReceipt: (g, s) => evm.checkpointReceipt(g, s),
    receiptOf: (g, s) => evmReceipt(mod, evm, config, g, s),
  };
  return { anchor, alg: 'keccak256', close: async () => evm.close() };
}

/**
 * The receipt of a batch anchored before a crash lost it: the transaction of
 * its BatchAnchored(gateway, seq) event.
 */
async function evmReceipt(mod: ContractsModule, evm: ReturnType<ContractsModule['createEvmAnchor']>, config: GatewayConfig, gateway: string, seq: number): Promise<AnchorRef | null> {
  const iface = mod.contractInterface('EvidenceAnchor') as {
    getEvent(name: string): { topicHash: string };
  };
  const { provider, chainId } = await evm.connection();
  const logs = await provider.getLogs({
    address: config.EVM_CONTRACT!,
    topics: [iface.getEvent('BatchAnchored').topicHash, `0x${gateway}`, `0x${seq.toString(16).padStart(64, '0')}`],
    fromBlock: config.EVM_FROM_BLOCK,
    toBlock: 'latest',
  });
  const log = logs[0];
  if (!log) return null;
  return { chain: 'evm', chainId, contract: config.EVM_CONTRACT!.toLowerCase(), txHash: log.transactionHash, blockNumber: log.blockNumber };
}
