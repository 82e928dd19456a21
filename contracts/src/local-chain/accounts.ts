import { HDNodeWallet, Mnemonic } from 'ethers';

/** Hardhat's well-known development mnemonic. Its keys are public: local chains only. */
export const LOCAL_CHAIN_MNEMONIC = 'test test test test test test test test test test test junk';
export const LOCAL_CHAIN_ID = 31337;
export const LOCAL_ACCOUNT_COUNT = 20;

export interface LocalAccount {
  address: string;
  privateKey: string;
}

let derived: LocalAccount[] | null = null;

/** The funded accounts of a local chain, in Hardhat's order (m/44'/60'/0'/0/i). */
export function localAccounts(): LocalAccount[] {
  if (!derived) {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(LOCAL_CHAIN_MNEMONIC), "m/44'/60'/0'/0");
    derived = Array.from({ length: LOCAL_ACCOUNT_COUNT }, (_, i) => {
      const w = root.deriveChild(i);
      return { address: w.address, privateKey: w.privateKey };
    });
  }
  return derived;
}
