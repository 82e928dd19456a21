import {
  ALG_CODE,
  encodeCheckpoint,
  encodeHeader,
  EvidenceError,
  type Anchor,
  type AnchoredBatch,
  type AnchoredCheckpoint,
  type BatchHeader,
  type Checkpoint,
  type EvmAnchorRef,
} from '@evidence/core';
import { Contract, getAddress, hexlify, isAddress, type Provider, type Signer } from 'ethers';
import { contractInterface } from './artifacts.js';
import { openConnection, type ConnectionOptions } from './connection.js';
import { ANCHOR_DOMAIN, toEvidenceError } from './errors.js';
import { from0x, to0x } from './hex.js';
import { senderFor } from './sender.js';

export interface EvmAnchorOptions extends ConnectionOptions {
  /** Address of the deployed EvidenceAnchor. */
  address: string;
  /** First block to search for BatchAnchored events (the deployment block). Default 0. */
  fromBlock?: number;
  /** Blocks to wait after inclusion before an anchor is acknowledged. Default 1. */
  confirmations?: number;
}

export interface EvmAnchor extends Anchor {
  readonly chain: 'evm';
  /** Anchors a signed header; resolves with the receipt once the transaction succeeded. */
  anchor(header: BatchHeader, signature: Uint8Array): Promise<EvmAnchorRef>;
  /** Anchors a checkpoint with the consistency proof from the last anchored one; resolves with the receipt once it succeeded. The SM2 signature is not sent (no SM2 on chain). */
  anchorCheckpoint(checkpoint: Checkpoint, proof: readonly Uint8Array[], signature?: Uint8Array): Promise<EvmAnchorRef>;
  /** The transaction that anchored the checkpoint of this size, found by a log query of its one recorded block. */
  checkpointReceipt(gateway: string, size: number): Promise<EvmAnchorRef | null>;
  /** The key registered for witness `witness` at `atMs` (isWitness, then keyAtTime), or null when it is not an active witness. */
  witnessKeyAt(witness: string, atMs: number): Promise<string | null>;
  /** The EvidenceAnchor address, lowercase 0x form as in bundles. */
  readonly address: string;
  /** Whether this adapter can send (it has a signer). */
  readonly writable: boolean;
  chainId(): Promise<number>;
  /** The connected provider and signer, for the governance actions. */
  connection(): Promise<{ provider: Provider; signer: Signer | null; chainId: number }>;
  /** Releases the provider if the adapter created it from rpcUrl. */
  close(): void;
}

/**
 * The Anchor port on an EVM chain (EvidenceAnchor). Read-only without a signer
 * or key, which is how verifiers use it; nothing here loads Hardhat.
 */
export function createEvmAnchor(options: EvmAnchorOptions): EvmAnchor {
  if (typeof options.address !== 'string' || !isAddress(options.address)) {
    throw new EvidenceError('DEPLOYMENT_INVALID', `not an EVM address: ${JSON.stringify(options.address)}`);
  }
  const address = getAddress(options.address);
  const connection = openConnection(options, ANCHOR_DOMAIN.unavailable);
  const iface = contractInterface('EvidenceAnchor');
  const writable = Boolean(options.signer || options.privateKey);

  async function reader(): Promise<Contract> {
    const { provider } = await connection.ready();
    return new Contract(address, iface, provider);
  }

  async function read<T>(action: string, call: (c: Contract) => Promise<T>): Promise<T> {
    const contract = await reader();
    try {
      return await call(contract);
    } catch (e) {
      throw toEvidenceError(e, ANCHOR_DOMAIN, action);
    }
  }

  /** The record of the checkpoint of exactly this size, or null. */
  async function checkpointRecord(gateway: string, size: number): Promise<{ gw: string; record: RawCheckpoint } | null> {
    assertCount(size, 'size');
    const gw = to0x(gateway, 32, 'gateway');
    const [exists, record] = (await read(`checkpoint ${size}`, (c) => c.getFunction('checkpointAt')(gw, size))) as [boolean, RawCheckpoint];
    return exists ? { gw, record } : null;
  }

  return {
    chain: 'evm',
    address: address.toLowerCase(),
    writable,
    chainId: async () => (await connection.ready()).chainId,
    connection: () => connection.ready(),
    close: () => connection.close(),

    async anchor(header: BatchHeader, _signature: Uint8Array): Promise<EvmAnchorRef> {
      // Malformed headers fail here with the core's codes, before any chain call.
      encodeHeader(header);
      const { signer, chainId } = await connection.ready();
      if (!signer) throw new EvidenceError('ANCHOR_UNAUTHORIZED', 'this EVM anchor is read-only: give it a signer or privateKey');
      // v is not sent: the contract hashes v = 1, the only version encodeHeader accepts.
      const data = iface.encodeFunctionData('anchor', [
        to0x(header.gateway, 32, 'batch.gateway'),
        header.seq,
        ALG_CODE[header.alg],
        header.size,
        to0x(header.root, 32, 'batch.root'),
        to0x(header.prev, 32, 'batch.prev'),
        header.closedAt,
      ]);
      const receipt = await senderFor(signer).send(
        { to: address, data },
        { action: `anchor batch ${header.seq}`, domain: ANCHOR_DOMAIN, confirmations: options.confirmations },
      );
      return {
        chain: 'evm',
        chainId,
        contract: address.toLowerCase(),
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
      };
    },

    async latest(gateway: string) {
      const [exists, seq, hash] = (await read('latest', (c) => c.getFunction('latest')(to0x(gateway, 32, 'gateway')))) as [
        boolean,
        bigint,
        string,
      ];
      return exists ? { seq: Number(seq), headerHash: from0x(hash) } : null;
    },

    async batch(gateway: string, seq: number): Promise<AnchoredBatch | null> {
      assertSeq(seq);
      const gw = to0x(gateway, 32, 'gateway');
      return read(`batch ${seq}`, async (c) => {
        const root = (await c.getFunction('batchRoot')(gw, seq)) as string;
        if (/^0x0+$/.test(root)) return null;
        // Storage keeps the root (one slot per batch keeps anchor() cheap);
        // size and headerHash come from the batch's own BatchAnchored event.
        const logs = await c.queryFilter(c.filters.BatchAnchored!(gw, seq), options.fromBlock ?? 0, 'latest');
        const log = logs.find((l) => 'args' in l && l.args[2] === root);
        if (!log || !('args' in log)) {
          throw new EvidenceError(
            'ANCHOR_UNAVAILABLE',
            `batch ${seq} has a root on chain but the node returned no BatchAnchored event for it ` +
              `(searched from block ${options.fromBlock ?? 0}: too late a fromBlock, or pruned logs)`,
          );
        }
        return {
          gateway: from0x(gw),
          seq,
          alg: 'keccak256',
          size: Number(log.args[3] as bigint),
          root: from0x(root),
          headerHash: from0x(log.args[4] as string),
        };
      });
    },

    async anchorCheckpoint(checkpoint: Checkpoint, proof: readonly Uint8Array[], _signature?: Uint8Array): Promise<EvmAnchorRef> {
      // Malformed checkpoints and proofs fail here with the core's codes, before any chain call.
      encodeCheckpoint(checkpoint);
      const path = proof.map((p, i) => {
        if (!(p instanceof Uint8Array) || p.length !== 32) {
          throw new EvidenceError('EVIDENCE_BAD_LENGTH', `proof[${i}] must be 32 bytes`);
        }
        return hexlify(p);
      });
      const { signer, chainId } = await connection.ready();
      if (!signer) throw new EvidenceError('ANCHOR_UNAUTHORIZED', 'this EVM anchor is read-only: give it a signer or privateKey');
      // An sm3 checkpoint is sent as is: the contract's refusal (ANCHOR_BAD_ALG) is the answer.
      const data = iface.encodeFunctionData('anchorCheckpoint', [
        to0x(checkpoint.gateway, 32, 'checkpoint.gateway'),
        ALG_CODE[checkpoint.alg],
        checkpoint.size,
        to0x(checkpoint.root, 32, 'checkpoint.root'),
        checkpoint.ts,
        path,
      ]);
      const receipt = await senderFor(signer).send(
        { to: address, data },
        { action: `anchor checkpoint ${checkpoint.size}`, domain: ANCHOR_DOMAIN, confirmations: options.confirmations },
      );
      return { chain: 'evm', chainId, contract: address.toLowerCase(), txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async latestCheckpoint(gateway: string): Promise<AnchoredCheckpoint | null> {
      const gw = to0x(gateway, 32, 'gateway');
      const [exists, record] = (await read('lastCheckpoint', (c) => c.getFunction('lastCheckpoint')(gw))) as [boolean, RawCheckpoint];
      return exists ? anchoredCheckpoint(gw, record) : null;
    },

    async checkpointAt(gateway: string, size: number): Promise<AnchoredCheckpoint | null> {
      const found = await checkpointRecord(gateway, size);
      return found && anchoredCheckpoint(found.gw, found.record);
    },

    async checkpoints(gateway: string, from: number, limit: number): Promise<AnchoredCheckpoint[]> {
      assertCount(from, 'from');
      assertCount(limit, 'limit');
      const gw = to0x(gateway, 32, 'gateway');
      const out: AnchoredCheckpoint[] = [];
      // Pages bound each call's work, so a node's eth_call gas cap never cuts a long history short.
      while (out.length < limit) {
        const n = Math.min(CHECKPOINT_PAGE, limit - out.length);
        const at = from + out.length;
        const page = (await read(`checkpoints ${at}`, (c) => c.getFunction('checkpoints')(gw, at, n))) as RawCheckpoint[];
        out.push(...page.map((r) => anchoredCheckpoint(gw, r)));
        if (page.length < n) break;
      }
      return out;
    },

    async checkpointReceipt(gateway: string, size: number): Promise<EvmAnchorRef | null> {
      const found = await checkpointRecord(gateway, size);
      if (!found) return null;
      const { gw, record } = found;
      const block = Number(record.blockNumber);
      const chainId = (await connection.ready()).chainId;
      return read(`checkpoint ${size} receipt`, async (c) => {
        // The block is the contract's own record: the query covers that one block, never history.
        const logs = await c.queryFilter(c.filters.CheckpointAnchored!(gw, size), block, block);
        const log = logs.find((l) => 'args' in l && l.args[2] === record.root);
        if (!log) {
          throw new EvidenceError(
            'ANCHOR_UNAVAILABLE',
            `checkpoint ${size} is recorded in block ${block} but the node returned no CheckpointAnchored event there (pruned logs?)`,
          );
        }
        return { chain: 'evm', chainId, contract: address.toLowerCase(), txHash: log.transactionHash, blockNumber: log.blockNumber };
      });
    },

    async keyAt(gateway: string, seq: number) {
      assertSeq(seq);
      const key = (await read('keyAt', (c) => c.getFunction('keyAt')(to0x(gateway, 32, 'gateway'), seq))) as string;
      return key === '0x' ? null : from0x(key);
    },

    async witnessKeyAt(witness: string, atMs: number) {
      assertSeq(atMs);
      const id = to0x(witness, 32, 'witness');
      if (!((await read('isWitness', (c) => c.getFunction('isWitness')(id))) as boolean)) return null;
      const key = (await read('keyAtTime', (c) => c.getFunction('keyAtTime')(id, atMs))) as string;
      return key === '0x' ? null : from0x(key);
    },
  };
}

/** Most checkpoints read per eth_call. */
const CHECKPOINT_PAGE = 256;

/** EvidenceAnchor.CheckpointRecord as ethers decodes it. */
interface RawCheckpoint {
  index: bigint;
  size: bigint;
  root: string;
  ts: bigint;
  blockNumber: bigint;
  anchoredAt: bigint;
}

function anchoredCheckpoint(gw: string, r: RawCheckpoint): AnchoredCheckpoint {
  return {
    gateway: from0x(gw),
    index: Number(r.index),
    size: Number(r.size),
    root: from0x(r.root),
    ts: Number(r.ts),
    anchoredAt: Number(r.anchoredAt),
  };
}

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `${what} must be a non-negative integer, got ${String(n)}`);
  }
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `seq must be a non-negative integer, got ${String(seq)}`);
  }
}
