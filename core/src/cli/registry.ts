import { UsageError } from './args.js';
import { importAdapter } from './adapter-module.js';

/**
 * Reads EvidenceAnchor's registry over JSON-RPC through @evidence/contracts,
 * loaded only here (the pure core must not depend on a chain client): the
 * participants registered (from their registration events), each one's key
 * history and state, and the active witnesses. Everything read is the
 * governor's word; a verifier that exports it trusts whoever governs the
 * contract to have registered the right keys.
 */
interface ContractsModule {
  openConnection(options: { rpcUrl: string }, unavailable: 'ANCHOR_UNAVAILABLE'): { ready(): Promise<{ provider: Provider; chainId: number }>; close(): void };
  contractInterface(name: 'EvidenceAnchor'): Iface;
  listWitnesses(client: { runner: unknown; address: string }, options: { activeOnly?: boolean }): Promise<{ id: string; kind: string; active: boolean; publicKey: string }[]>;
}

interface Provider {
  call(tx: { to: string; data: string }): Promise<string>;
  getLogs(filter: { address: string; topics: (string | null)[]; fromBlock: number; toBlock: string }): Promise<{ topics: readonly string[] }[]>;
  getBlockNumber(): Promise<number>;
}

interface Iface {
  encodeFunctionData(fn: string, args: unknown[]): string;
  decodeFunctionResult(fn: string, data: string): unknown[];
  getEvent(name: string): { topicHash: string } | null;
}

export interface KeyEpoch {
  fromSeq: number;
  fromTime: number;
  publicKey: string;
}

export interface Registry {
  chainId: number;
  contract: string;
  /** Ids registered as gateways (kind) or routing nodes, in registration order. */
  registered(kind: 'gateway' | 'node', fromBlock: number): Promise<string[]>;
  keyHistory(id: string): Promise<KeyEpoch[]>;
  keyAtTime(id: string, atMs: number): Promise<string | null>;
  isActive(id: string): Promise<boolean>;
  witnesses(): Promise<{ id: string; publicKey: string }[]>;
  close(): void;
}

const strip0x = (h: string) => (h.startsWith('0x') ? h.slice(2) : h).toLowerCase();

export async function openRegistry(rpcUrl: string, contract: string): Promise<Registry> {
  const mod = await importAdapter<ContractsModule>('@evidence/contracts');
  if (!/^0x[0-9a-fA-F]{40}$/.test(contract)) throw new UsageError('--contract must be the EvidenceAnchor address (0x + 40 hex digits)');
  const conn = mod.openConnection({ rpcUrl }, 'ANCHOR_UNAVAILABLE');
  const { provider, chainId } = await conn.ready().catch((e: unknown) => {
    conn.close();
    throw e;
  });
  const iface = mod.contractInterface('EvidenceAnchor');
  const read = async (fn: string, args: unknown[]): Promise<unknown[]> => iface.decodeFunctionResult(fn, await provider.call({ to: contract, data: iface.encodeFunctionData(fn, args) }));
  return {
    chainId,
    contract: contract.toLowerCase(),
    async registered(kind, fromBlock) {
      const topic = iface.getEvent(kind === 'gateway' ? 'GatewayRegistered' : 'NodeRegistered')!.topicHash;
      const logs = await provider.getLogs({ address: contract, topics: [topic], fromBlock, toBlock: 'latest' });
      return [...new Set(logs.map((l) => strip0x(l.topics[1]!)))];
    },
    async keyHistory(id) {
      const [epochs] = (await read('keyHistory', [`0x${id}`])) as [{ fromSeq: bigint; fromTime: bigint; publicKey: string }[]];
      return epochs.map((e) => ({ fromSeq: Number(e.fromSeq), fromTime: Number(e.fromTime), publicKey: strip0x(e.publicKey) }));
    },
    async keyAtTime(id, atMs) {
      const [key] = (await read('keyAtTime', [`0x${id}`, atMs])) as [string];
      return key === '0x' ? null : strip0x(key);
    },
    async isActive(id) {
      const [, , active] = (await read('participant', [`0x${id}`])) as [bigint, string, boolean, bigint];
      return active;
    },
    async witnesses() {
      const listed = await mod.listWitnesses({ runner: provider, address: contract }, { activeOnly: true });
      return listed.map((w) => ({ id: w.id, publicKey: w.publicKey }));
    },
    close: () => conn.close(),
  };
}
