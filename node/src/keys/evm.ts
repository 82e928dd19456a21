import { contractInterface } from '@evidence/contracts';
import { Contract, type ContractRunner } from 'ethers';
import { RoutingError } from '../errors.js';
import type { KeySource } from './key-source.js';

export interface EvmKeySourceOptions {
  /** A provider (or anything that can read) of the chain the EvidenceAnchor contract lives on. */
  runner: ContractRunner;
  /** Address of EvidenceAnchor, whose registry holds gateways and routing nodes. */
  address: string;
  /** Time (ms) at which keys are read; by default the newest key, whatever its start. */
  at?: () => number;
}

const NEWEST = (1n << 64n) - 1n;

/**
 * The on-chain adapter of the key-source port: the key a gateway or routing
 * node holds (EvidenceAnchor.keyAtTime, its newest unless `at` says when),
 * and none for an id that is not
 * registered or was deactivated by the governors. A chain that cannot be read
 * is KEYS_UNAVAILABLE (503), never "unknown": an outage must not look like a
 * forged hop.
 */
export function evmKeySource(o: EvmKeySourceOptions): KeySource {
  const contract = new Contract(o.address, contractInterface('EvidenceAnchor'), o.runner);
  return async (id) => {
    if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
    try {
      const [kind, , active] = (await contract.getFunction('participant').staticCall(`0x${id}`)) as [bigint, string, boolean, bigint];
      if (kind === 0n || !active) return undefined;
      const at = o.at ? BigInt(o.at()) : NEWEST;
      const key = (await contract.getFunction('keyAtTime').staticCall(`0x${id}`, at)) as string;
      return key === '0x' ? undefined : key.slice(2).toLowerCase();
    } catch (e) {
      throw new RoutingError('KEYS_UNAVAILABLE', `the key registry on chain could not be read: ${(e as Error).message}`, undefined, { cause: e });
    }
  };
}
