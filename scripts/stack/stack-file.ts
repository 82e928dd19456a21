import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackRouting } from '../topologies/stack-routing.js';
import type { StackChain } from './chain.js';

/** What differs between stacks in .local/stack.json: the gateways and who witnesses them. */
export interface StackFileGateways {
  gateways: object[];
  /** Who cosigns checkpoints: a verifier's witness policy names these ids and keys. */
  witnesses: object[];
  witnessQuorum: number;
}

/**
 * Writes <dir>/stack.json, the file scripts and tests read to find the
 * running stack (owner-only: it holds the development tokens); returns its path.
 */
export function writeStackFile(dir: string, chain: StackChain, routing: StackRouting, rest: StackFileGateways): string {
  const file = join(dir, 'stack.json');
  const stack = {
    rpcUrl: chain.chain.rpcUrl,
    chainId: chain.chain.chainId,
    contracts: chain.deployment.contracts,
    deploymentBlock: chain.deployment.block,
    nodes: routing.nodes,
    ...rest,
  };
  writeFileSync(file, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  return file;
}
