import { BrowserProvider, Wallet } from 'ethers';
import { LOCAL_CHAIN_ID, localAccounts } from './accounts.js';
import { createHardhatNetwork } from './hardhat-network.js';

export interface InProcessChain {
  /** An ethers provider over Hardhat's in-process network (no HTTP). */
  provider: BrowserProvider;
  chainId: number;
  /** A Wallet for funded account i (0..19), connected to the provider; transactions go out raw-signed. */
  wallet(i: number): Wallet;
  /** Moves the chain's clock forward and mines a block at the new time. */
  increaseTime(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** A fresh Hardhat network in this process, for tests and benchmarks. */
export async function createInProcessChain(): Promise<InProcessChain> {
  const network = await createHardhatNetwork();
  // Hardhat mines on every transaction, so receipts exist when sends return;
  // a short interval only matters for the rare wait on an unmined hash.
  const provider = new BrowserProvider(network, LOCAL_CHAIN_ID, { pollingInterval: 50, cacheTimeout: -1 });
  const wallets = new Map<number, Wallet>();
  return {
    provider,
    chainId: LOCAL_CHAIN_ID,
    wallet(i) {
      const account = localAccounts()[i];
      if (!account) throw new RangeError(`local accounts are 0..${localAccounts().length - 1}`);
      let w = wallets.get(i);
      if (!w) {
        w = new Wallet(account.privateKey, provider);
        wallets.set(i, w);
      }
      return w;
    },
    async increaseTime(seconds) {
      await provider.send('evm_increaseTime', [seconds]);
      await provider.send('evm_mine', []);
    },
    async close() {
      provider.destroy();
    },
  };
}
