import { contractInterface, createEvmAnchor } from '@evidence/contracts';
import { Contract, type Provider } from 'ethers';
import { WitnessError } from './errors.js';
import type { GatewayKeys } from './types.js';

export interface EvmGatewayKeysOptions {
  /** JSON-RPC endpoint of the chain the EvidenceAnchor contract lives on (or `provider`). */
  rpcUrl?: string;
  provider?: Provider;
  /** EvidenceAnchor address: its registry holds gateways, their keys per batch seq, and whether they are active. */
  address: string;
}

/** EvidenceAnchor.ParticipantKind.Gateway. */
const GATEWAY = 1n;

/**
 * Gateway keys from the chain: the key the gateway had to sign batch `seq`
 * with (EvidenceAnchor.keyAt through the contracts package's adapter), null
 * for an id that is not a registered gateway or that the governors
 * deactivated. A chain that cannot be read is WITNESS_UNAVAILABLE (503), never
 * "unknown": an outage must not read as a gateway nobody registered.
 */
export function evmGatewayKeys(o: EvmGatewayKeysOptions): GatewayKeys & { close(): void } {
  const anchor = createEvmAnchor({ address: o.address, ...(o.provider ? { provider: o.provider } : {}), ...(o.rpcUrl ? { rpcUrl: o.rpcUrl } : {}) });
  const iface = contractInterface('EvidenceAnchor');
  const keys = async (gateway: string, seq: number): Promise<string | null> => {
    try {
      const { provider } = await anchor.connection();
      const registry = new Contract(anchor.address, iface, provider);
      const [kind, , active] = (await registry.getFunction('participant').staticCall(`0x${gateway}`)) as [bigint, string, boolean, bigint];
      if (kind !== GATEWAY || !active) return null;
      const key = await anchor.keyAt(gateway, seq);
      return key === null || key === '' ? null : key.toLowerCase();
    } catch (e) {
      throw new WitnessError('WITNESS_UNAVAILABLE', `链上登记信息暂不可读 / the key registry on chain could not be read: ${(e as Error).message}`, { cause: e });
    }
  };
  return Object.assign(keys, { close: () => anchor.close() });
}
