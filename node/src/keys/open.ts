import { DirectoryFile } from '../directory/directory-file.js';
import { RoutingError } from '../errors.js';
import type { CodeSource, KeySource } from './key-source.js';

/**
 * The key source a configuration names: with a chain, the on-chain registry
 * (EvidenceAnchor); without one, the operator's signed directory file. With
 * both, keys come from the chain and the directory only names codes.
 */
export async function openKeySource(config: {
  directory?: { file: string; operatorKey: string };
  chain?: { rpcUrl: string; contract: string };
}): Promise<{ keys: KeySource; codes?: CodeSource; close?: () => void }> {
  if (config.chain) {
    // Loaded only when a chain is configured: it brings ethers along.
    const [{ evmKeySource }, { JsonRpcProvider }] = await Promise.all([import('./evm.js'), import('ethers')]);
    const provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, { staticNetwork: true });
    const codes = config.directory ? (await DirectoryFile.open(config.directory.file, config.directory.operatorKey)).codeSource : undefined;
    return { keys: evmKeySource({ runner: provider, address: config.chain.contract }), ...(codes ? { codes } : {}), close: () => provider.destroy() };
  }
  if (config.directory) {
    const dir = await DirectoryFile.open(config.directory.file, config.directory.operatorKey);
    return { keys: dir.keySource, codes: dir.codeSource };
  }
  throw new RoutingError('BAD_REQUEST', 'the configuration names no key source: give "directory" (or "chain")');
}
