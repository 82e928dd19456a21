import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { EvidenceError } from '@evidence/core';
import { keccak256 } from 'ethers';
import { LOCAL_CHAIN_ID } from './accounts.js';
import { createHardhatNetwork, type Eip1193Provider } from './hardhat-network.js';
import { Journal, type BlockEntry, type ChangeEntry, type GenesisEntry, type PooledRequest } from './journal.js';

export interface LocalChainOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /**
   * JSON-lines journal of every accepted state change. Replayed into the fresh
   * chain at start, so addresses, transaction hashes, block numbers and block
   * hashes survive a restart.
   */
  journalPath?: string;
  /**
   * Mine a block every this many ms, holding transactions in the pool until
   * then, as consortium chains (QBFT, PBFT) and Fabric orderers do. 0 or
   * absent: every transaction is mined at once (quick experiments only: it
   * hides what real chains do to anchoring).
   */
  blockTimeMs?: number;
}

export interface LocalChain {
  rpcUrl: string;
  chainId: number;
  /** Journal entries (transactions or blocks) replayed at start. */
  replayed: number;
  /** 0 when every transaction is mined at once. */
  blockTimeMs: number;
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

  const changes = entries.filter((e): e is ChangeEntry | BlockEntry => e.type !== 'genesis');
  await replay(network, changes);

  let journal: Journal | null = null;
  if (options.journalPath) {
    journal = Journal.open(options.journalPath);
    if (entries.length === 0) journal.append(genesis);
  }
  const blockTimeMs = options.blockTimeMs ?? 0;
  await network.request({ method: 'evm_setAutomine', params: [blockTimeMs === 0] });
  const pool = blockTimeMs > 0 ? new BlockMiner(network, journal, blockTimeMs) : null;
  const provider = journal || pool ? journaled(network, journal, pool) : network;

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
    blockTimeMs,
    async close() {
      if (closed) return;
      closed = true;
      await pool?.stop();
      await server.close();
      journal?.close();
    },
  };
}

/**
 * Re-applies journaled changes in order at their recorded times: a change of
 * an instantly mining chain in its own block, a block of a chain with a block
 * time with the same transactions in the same order.
 */
async function replay(network: Eip1193Provider, changes: (ChangeEntry | BlockEntry)[]): Promise<void> {
  for (const change of changes) {
    if (change.type === 'block') {
      await replayBlock(network, change);
      continue;
    }
    await network.request({ method: 'evm_setAutomine', params: [true] });
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

async function replayBlock(network: Eip1193Provider, entry: BlockEntry): Promise<void> {
  await network.request({ method: 'evm_setAutomine', params: [false] });
  for (const tx of entry.transactions) await network.request({ method: tx.method, params: tx.params });
  await network.request({ method: 'evm_setNextBlockTimestamp', params: [entry.timestamp] });
  await network.request({ method: 'evm_mine', params: [] });
  const block = await blockWithHashes(network);
  const wanted = entry.transactions.map((t) => t.hash);
  if (block.number !== entry.block || block.transactions.join() !== wanted.join()) {
    throw new EvidenceError('DEPLOYMENT_INVALID', `journal replay diverged at block ${entry.block}: got block ${block.number} with ${block.transactions.length} transaction(s)`);
  }
}

/** Runs tasks one at a time, in submission order: the journal's order is the chain's. */
function serialiser(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Mines a block every blockTimeMs when transactions wait in the pool, like a
 * consortium chain's proposer, and journals each block with the requests it
 * included. An interval with nothing to include mines nothing, so an idle
 * chain's journal does not grow.
 */
class BlockMiner {
  readonly exclusive = serialiser();
  private pooled: PooledRequest[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private mining: Promise<void> = Promise.resolve();

  constructor(
    private readonly network: Eip1193Provider,
    private readonly journal: Journal | null,
    blockTimeMs: number,
  ) {
    this.timer = setInterval(() => {
      this.mining = this.exclusive(() => this.mine()).catch(() => undefined);
    }, blockTimeMs);
  }

  /** Sends a transaction request into the pool; its hash is the answer, as from a real node. */
  submit(method: PooledRequest['method'], params: unknown[]): Promise<unknown> {
    return this.exclusive(async () => {
      const hash = (await this.network.request({ method, params })) as string;
      this.pooled.push({ method, params, hash });
      return hash;
    });
  }

  /** A client's own evm_mine: a block now, journaled like the others. */
  mineNow(): Promise<unknown> {
    return this.exclusive(async () => {
      await this.mine(true);
      return '0x0';
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.mining;
  }

  private async mine(evenIfEmpty = false): Promise<void> {
    if (this.pooled.length === 0 && !evenIfEmpty) return;
    await this.network.request({ method: 'evm_mine', params: [] });
    const block = await blockWithHashes(this.network);
    const included = new Set(block.transactions);
    const transactions = this.pooled.filter((t) => included.has(t.hash));
    this.pooled = this.pooled.filter((t) => !included.has(t.hash));
    this.journal?.append({ type: 'block', transactions, block: block.number, timestamp: block.timestamp });
  }
}

/**
 * Wraps the network so that every accepted state change is journaled (and
 * fsynced) before the client gets its answer, or, with a block time, once the
 * block that includes it is mined. Changes are serialised so the journal
 * order is the chain order. State surgery that cannot be replayed
 * (snapshots, resets, balance or code edits, impersonation) is refused.
 */
function journaled(network: Eip1193Provider, journal: Journal | null, miner: BlockMiner | null): Eip1193Provider {
  const exclusive = miner?.exclusive ?? serialiser();

  return {
    on: network.on?.bind(network),
    addListener: network.addListener?.bind(network),
    removeListener: network.removeListener?.bind(network),
    request(args) {
      const { method } = args;
      const params = Array.isArray(args.params) ? args.params : [];
      if (miner && method === 'evm_mine') return miner.mineNow();
      if (miner && JOURNALED.has(method)) return miner.submit(method as PooledRequest['method'], params);
      if (JOURNALED.has(method)) return exclusive(() => applyAndRecord(network, journal!, method as ChangeEntry['method'], params));
      if (journal && (method.startsWith('hardhat_') || method.startsWith('evm_')) && !HARMLESS_DEV.has(method)) {
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

async function blockWithHashes(network: Eip1193Provider): Promise<{ number: number; timestamp: number; transactions: string[] }> {
  const block = (await network.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
    number: string;
    timestamp: string;
    transactions: string[];
  };
  return { number: Number(block.number), timestamp: Number(block.timestamp), transactions: block.transactions };
}

async function latestBlock(network: Eip1193Provider): Promise<{ number: number; timestamp: number }> {
  const block = (await network.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
    number: string;
    timestamp: string;
  };
  return { number: Number(block.number), timestamp: Number(block.timestamp) };
}
