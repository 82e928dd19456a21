import { DirectoryFile } from '../directory/directory-file.js';
import { RoutingError } from '../errors.js';
import type { CodeSource, KeySource } from './key-source.js';

/**
 * The key source a configuration names: the operator's signed directory file.
 * (With a chain configured, keys come from the on-chain registry instead; see
 * keys/evm.ts.)
 */
export async function openKeySource(config: {
  directory?: { file: string; operatorKey: string };
  chain?: { rpcUrl: string; contract: string };
}): Promise<{ keys: KeySource; codes?: CodeSource }> {
  if (config.directory) {
    const dir = await DirectoryFile.open(config.directory.file, config.directory.operatorKey);
    return { keys: dir.keySource, codes: dir.codeSource };
  }
  throw new RoutingError('BAD_REQUEST', 'the configuration names no key source: give "directory" (or "chain")');
}
