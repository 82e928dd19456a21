import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LOCAL_CHAIN_ID, LOCAL_CHAIN_MNEMONIC, LOCAL_ACCOUNT_COUNT } from './accounts.js';

/** The EIP-1193 provider Hardhat's in-process network exposes. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  addListener?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface HardhatNetworkOptions {
  /** Genesis time; later blocks follow the wall clock from there. */
  initialDate?: Date;
}

const CONFIG_PATH = fileURLToPath(new URL('../../hardhat.config.cjs', import.meta.url));

/**
 * A fresh Hardhat network in this process, built from Hardhat's own provider
 * factory but without its global runtime environment, so a process may hold
 * several independent chains. Hardhat is loaded only here, on demand: the
 * adapter itself never needs it.
 *
 * Reverted transactions are mined with status 0, as on a real chain, rather
 * than rejected by the node; calls still return their revert data.
 */
export async function createHardhatNetwork(options: HardhatNetworkOptions = {}): Promise<Eip1193Provider> {
  const require = createRequire(CONFIG_PATH);
  const { resolveConfig } = require('hardhat/internal/core/config/config-resolution') as {
    resolveConfig: (path: string, user: object) => unknown;
  };
  const { createProvider } = require('hardhat/internal/core/providers/construction') as {
    createProvider: (config: unknown, network: string) => Promise<Eip1193Provider>;
  };
  const config = resolveConfig(CONFIG_PATH, {
    networks: {
      hardhat: {
        chainId: LOCAL_CHAIN_ID,
        accounts: { mnemonic: LOCAL_CHAIN_MNEMONIC, count: LOCAL_ACCOUNT_COUNT },
        throwOnTransactionFailures: false,
        throwOnCallFailures: true,
        ...(options.initialDate ? { initialDate: options.initialDate.toISOString() } : {}),
      },
    },
  });
  return createProvider(config, 'hardhat');
}
