/**
 * The chains a gateway can anchor on (ANCHOR=<name>). A new chain is its
 * name here and its folder beside evm/ and fabric/, listed in chains/index.ts;
 * the compiler asks for that entry once the name is here.
 */
export const CHAIN_NAMES = ['evm', 'fabric'] as const;
export type ChainName = (typeof CHAIN_NAMES)[number];
