/**
 * Real EVM chains for the gateway's tests: Hardhat in process (fast, for unit
 * tests of anchoring) or Hardhat's JSON-RPC server on 127.0.0.1 (for gateway
 * processes), with the contracts deployed and gateways registered through the
 * @evidence/contracts actions.
 */
import { entityId, toHex, type Anchor } from '@evidence/core';
import {
  createEvmAnchor,
  createInProcessChain,
  deployAll,
  localAccounts,
  registerGateway,
  startLocalChain,
  type Deployment,
  type LocalChain,
} from '@evidence/contracts';
import { JsonRpcProvider, Wallet } from 'ethers';

export interface EvmFixture {
  deployment: Deployment;
  /** EvidenceAnchor address. */
  address: string;
  /** The anchor acting as the EVM account `accountIndex`. */
  anchorFor(accountIndex: number): Anchor & { close(): void };
  /** Registers gateway `code` with its SM2 key, anchoring from local account `accountIndex`. */
  register(code: string, publicKey: string, accountIndex: number): Promise<string>;
  close(): Promise<void>;
}

/** Deploys the contracts, or reuses `existing` (a restarted, journaled chain keeps them). */
async function fixture(signerFor: (i: number) => Wallet, close: () => Promise<void>, existing?: Deployment): Promise<EvmFixture> {
  const deployment = existing ?? (await deployAll({ signer: signerFor(0) }));
  const address = deployment.contracts.EvidenceAnchor;
  const opened: { close(): void }[] = [];
  return {
    deployment,
    address,
    anchorFor(i) {
      const a = createEvmAnchor({ signer: signerFor(i), address, fromBlock: deployment.block });
      opened.push(a);
      return a;
    },
    async register(code, publicKey, accountIndex) {
      const gateway = toHex(entityId(code));
      await registerGateway({ signer: signerFor(0), address }, { gateway, account: localAccounts()[accountIndex]!.address, publicKey });
      return gateway;
    },
    async close() {
      for (const o of opened) o.close();
      await close();
    },
  };
}

/** Hardhat in this process, no HTTP. */
export async function inProcessEvm(): Promise<EvmFixture> {
  const chain = await createInProcessChain();
  return fixture((i) => chain.wallet(i), () => chain.close());
}

export interface RpcEvm extends EvmFixture {
  chain: LocalChain;
  rpcUrl: string;
}

/** Hardhat's JSON-RPC server on 127.0.0.1 (port 0 unless given), optionally journaled, optionally with a block time. */
export async function rpcEvm(options: { port?: number; journalPath?: string; deployment?: Deployment; blockTimeMs?: number } = {}): Promise<RpcEvm> {
  const chain = await startLocalChain({ port: options.port ?? 0, journalPath: options.journalPath, blockTimeMs: options.blockTimeMs });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const wallets = new Map<number, Wallet>();
  const signerFor = (i: number) => {
    let w = wallets.get(i);
    if (!w) wallets.set(i, (w = new Wallet(localAccounts()[i]!.privateKey, provider)));
    return w;
  };
  const close = async () => {
    provider.destroy();
    await chain.close();
  };
  const f = await fixture(signerFor, close, options.deployment);
  return { ...f, chain, rpcUrl: chain.rpcUrl };
}

export const accountKey = (i: number): string => localAccounts()[i]!.privateKey;
