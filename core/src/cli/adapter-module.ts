import { UsageError } from './args.js';

/** The chain adapters the CLI loads only when a command needs a chain: core itself imports no chain. */
const ADAPTERS = { '@evidence/contracts': 'EVM', '@evidence/chaincode': 'Fabric' } as const;

/** Imports a chain adapter package, typed as the caller uses it; one that is not installed is a usage error naming it. */
export async function importAdapter<T>(specifier: keyof typeof ADAPTERS): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    throw new UsageError(`the ${ADAPTERS[specifier]} adapter (${specifier}) is not installed: ${(e as Error).message}`);
  }
}
