import { EvidenceError } from '@evidence/core';
import { from0x } from '../hex.js';
import { readCall, type ReadClient } from './client.js';

/** A participant holding the witness role, as EvidenceAnchor records it now. */
export interface WitnessEntry {
  /** 32-byte id, core hex. */
  id: string;
  /** `witness` for a standalone witness; `gateway` or `node` for one given the role with setWitness. */
  kind: 'gateway' | 'node' | 'witness';
  account: string;
  /** A deactivated witness is listed, but EvidenceAnchor.isWitness is false for it. */
  active: boolean;
  /** Its current SM2 key (the latest rotation), core hex. */
  publicKey: string;
}

const KINDS = { 1: 'gateway', 2: 'node', 3: 'witness' } as const;
const PAGE = 256;

interface WitnessRecord {
  id: string;
  kind: bigint;
  account: string;
  active: boolean;
  publicKey: string;
}

/**
 * Every participant holding the witness role, read from contract state (no
 * event search) in pages, all at one block: a role taken away between two
 * pages moves the last witness, so reads at different blocks could skip or
 * repeat one. With `activeOnly`, only those whose cosignatures count now.
 */
export async function listWitnesses(client: ReadClient, options: { activeOnly?: boolean } = {}): Promise<WitnessEntry[]> {
  const provider = client.runner.provider;
  const blockTag = provider ? await provider.getBlockNumber() : undefined;
  const at = blockTag === undefined ? [] : [{ blockTag }];
  const count = Number(await readCall<bigint>(client, 'EvidenceAnchor', 'countWitnesses', [...at]));
  const out: WitnessEntry[] = [];
  for (let from = 0; from < count; from += PAGE) {
    const page = await readCall<WitnessRecord[]>(client, 'EvidenceAnchor', 'witnesses', [from, PAGE, ...at]);
    for (const r of page) {
      const kind = KINDS[Number(r.kind) as keyof typeof KINDS];
      // The contract only lists registered participants; anything else is a contract this adapter does not know.
      if (!kind) throw new EvidenceError('ANCHOR_REJECTED', `witness ${r.id} has participant kind ${r.kind}, which this adapter does not know`);
      if (options.activeOnly && !r.active) continue;
      out.push({ id: from0x(r.id), kind, account: r.account, active: r.active, publicKey: from0x(r.publicKey) });
    }
  }
  return out;
}
