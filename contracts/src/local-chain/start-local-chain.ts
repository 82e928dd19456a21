import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { EvidenceError } from '@evidence/core';
import { keccak256 } from 'ethers';
import { LOCAL_CHAIN_ID } from './accounts.js';
import { createHardhatNetwork, type Eip1193Provider } from './hardhat-network.js';
import { Journal, type ChangeEntry, type GenesisEntry } from './journal.js';

export interface LocalChainOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /**
   * JSON-lines journal of every accepted state change. Replayed into the fresh
   * chain at start, so addresses, transaction hashes, block numbers and block
   * hashes survive a restart.
   */
  journalPath?: string;
}

export interface LocalChain {
  rpcUrl: string;
  chainId: number;
  /** Transactions replayed from the journal at start. */
  replayed: number;
  close(): Promise<void>;
}

/** Methods that change state and are journaled. */
const JOURNALED = new Set(['eth_sendRawTransaction', 'eth_sendTransaction', 'evm_mine']);
/** Development methods harmless to a journaled chain (block times are journaled per block). */
const HARMLESS_DEV = new Set(['evm_increaseTime', 'evm_setNextBlockTimestamp', 'hardhat_metadata', 'hardhat_getAutomine']);

/**
 * Starts Hardhat's JSON-RPC server in this process on 127.0.0.1, chain id
 * 31337, backed by a fresh in-process network (`npx hardhat node --hostname
 * 127.0.0.1` is the same chain as a separate process, without a journal).
 */
export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const entries = options.journalPath ? Journal.read(options.journalPath) : [];
  const genesis: GenesisEntry =
    entries[0]?.type === 'genesis'
      ? entries[0]
      : { type: 'genesis', chainId: LOCAL_CHAIN_ID, initialDate: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() };
  const network = await createHardhatNetwork(options.journalPath ? { initialDate: new Date(genesis.initialDate) } : {});

  const changes = entries.filter((e): e is ChangeEntry => e.type === 'change');
  await replay(network, changes);

  let journal: Journal | null = null;
  if (options.journalPath) {
    journal = Journal.open(options.journalPath);
    if (entries.length === 0) journal.append(genesis);
  }
  const provider = journal ? journaled(network, journal) : network;

  const require = createRequire(import.meta.url);
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server') as {
    JsonRpcServer: new (config: { hostname: string; port: number; provider: Eip1193Provider }) => {
      listen(): Promise<AddressInfo>;
      close(): Promise<void>;
    };
  };
  const server = new JsonRpcServer({ hostname: '127.0.0.1', port: options.port ?? 0, provider });
  const address = await server.listen();

  let closed = false;
  return {
    rpcUrl: `http://127.0.0.1:${address.port}`,
    chainId: LOCAL_CHAIN_ID,
    replayed: changes.length,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      journal?.close();
    },
  };
}

/** Re-applies journaled changes in order, each in its own block at its recorded time. */
async function replay(network: Eip1193Provider, changes: ChangeEntry[]): Promise<void> {
  for (const change of changes) {
    await network.request({ method: 'evm_setNextBlockTimestamp', params: [change.timestamp] });
    const result = await network.request({ method: change.method, params: change.params });
    const block = await latestBlock(network);
    if ((change.hash !== null && result !== change.hash) || block.number !== change.block) {
      throw new EvidenceError(
        'DEPLOYMENT_INVALID',
        `journal replay diverged at block ${change.block}: got ${String(result)} in block ${block.number}`,
      );
    }
  }
  // Block times of the replayed chain are the recorded ones; from here on the
  // clock must be the real one again (contracts compare expiries to it).
  const last = changes.at(-1);
  const lag = last ? Math.floor(Date.now() / 1000) - last.timestamp : 0;
  if (lag > 0) await network.request({ method: 'evm_increaseTime', params: [lag] });
}

/**
 * Wraps the network so that every accepted state change is journaled (and
 * fsynced) before the client gets its answer. Changes are serialised so the
 * journal order is the chain order. State surgery that cannot be replayed
 * (snapshots, resets, balance or code edits, impersonation) is refused.
 */
function journaled(network: Eip1193Provider, journal: Journal): Eip1193Provider {
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    on: network.on?.bind(network),
    addListener: network.addListener?.bind(network),
    removeListener: network.removeListener?.bind(network),
    request(args) {
      const { method } = args;
      const params = Array.isArray(args.params) ? args.params : [];
      if (JOURNALED.has(method)) return exclusive(() => applyAndRecord(network, journal, method as ChangeEntry['method'], params));
      if ((method.startsWith('hardhat_') || method.startsWith('evm_')) && !HARMLESS_DEV.has(method)) {
        return Promise.reject(
          Object.assign(new Error(`${method} is not available on a journaled chain: it could not be replayed`), {
            code: -32601,
          }),
        );
      }
      return network.request(args);
    },
  };
}

async function applyAndRecord(
  network: Eip1193Provider,
  journal: Journal,
  method: ChangeEntry['method'],
  params: unknown[],
): Promise<unknown> {
  const before = await latestBlock(network);
  let result: unknown;
  let failure: unknown = null;
  try {
    result = await network.request({ method, params });
  } catch (e) {
    failure = e;
  }
  // A failed request normally changed nothing; but if a block was mined
  // (a transaction included despite the error), it must still be journaled.
  const after = await latestBlock(network);
  if (after.number !== before.number) {
    let hash: string | null = null;
    if (method !== 'evm_mine') hash = typeof result === 'string' ? result : keccak256(params[0] as string);
    journal.append({ type: 'change', method, params, hash, block: after.number, timestamp: after.timestamp });
  }
  if (failure) throw failure;
  return result;
}

async function latestBlock(network: Eip1193Provider): Promise<{ number: number; timestamp: number }> {
  const block = (await network.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
    number: string;
    timestamp: string;
  };
  return { number: Number(block.number), timestamp: Number(block.timestamp) };
}
