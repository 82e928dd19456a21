import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvidenceError } from '@evidence/core';

/** First line of a journal: what the chain was created with. */
export interface GenesisEntry {
  type: 'genesis';
  chainId: number;
  /** ISO time of the genesis block; restored so block hashes repeat too. */
  initialDate: string;
}

/** A state change the chain accepted, with the block it produced (a chain that mines each transaction at once). */
export interface ChangeEntry {
  type: 'change';
  method: 'eth_sendRawTransaction' | 'eth_sendTransaction' | 'evm_mine';
  params: unknown[];
  /** Transaction hash (null for evm_mine). */
  hash: string | null;
  block: number;
  /** Block timestamp, seconds. */
  timestamp: number;
}

/** A transaction request as the node received it, replayed into the pool before its block is mined again. */
export interface PooledRequest {
  method: 'eth_sendRawTransaction' | 'eth_sendTransaction';
  params: unknown[];
  hash: string;
}

/** A block mined on the chain's own clock (a block time), with the transactions it included in order. */
export interface BlockEntry {
  type: 'block';
  transactions: PooledRequest[];
  block: number;
  /** Block timestamp, seconds. */
  timestamp: number;
}

export type JournalEntry = GenesisEntry | ChangeEntry | BlockEntry;

/**
 * An append-only JSON-lines journal. Each append is written and fsynced before
 * it returns, so a change the node acknowledged is on disk first.
 */
export class Journal {
  readonly #fd: number;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Reads every entry of an existing journal (empty when the file does not exist). */
  static read(path: string): JournalEntry[] {
    if (!existsSync(path)) return [];
    const lines = readFileSync(path, 'utf8').split('\n');
    const entries: JournalEntry[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // Only a torn last line (a crash mid-append) is tolerated: it was never acknowledged.
        if (i === lines.length - 1 || lines.slice(i + 1).every((l) => l.trim() === '')) return;
        throw new EvidenceError('DEPLOYMENT_INVALID', `journal ${path}: line ${i + 1} is not JSON`);
      }
    });
    const first = entries[0];
    if (first && first.type !== 'genesis') {
      throw new EvidenceError('DEPLOYMENT_INVALID', `journal ${path}: the first entry must be the genesis entry`);
    }
    return entries;
  }

  /** Opens for appending, first cutting a torn last line so the next entry starts on its own line. */
  static open(path: string): Journal {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const text = readFileSync(path);
      if (text.length > 0 && text[text.length - 1] !== 0x0a) truncateSync(path, text.lastIndexOf(0x0a) + 1);
    }
    return new Journal(openSync(path, 'a'));
  }

  append(entry: JournalEntry): void {
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
