import {
  ALG_CODE,
  encodeHeader,
  EvidenceError,
  type Anchor,
  type AnchoredBatch,
  type BatchHeader,
  type EvmAnchorRef,
} from '@evidence/core';
import { Contract, getAddress, isAddress, type Provider, type Signer } from 'ethers';
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

    // Placeholder until checkpoint anchoring lands in this adapter (spec section 11).
    anchorCheckpoint: () => Promise.reject(new EvidenceError('ANCHOR_UNAVAILABLE', 'checkpoint anchoring is not implemented by this adapter yet')),
    latestCheckpoint: () => Promise.resolve(null),
    checkpointAt: () => Promise.resolve(null),
    checkpoints: () => Promise.resolve([]),
    checkpointReceipt: () => Promise.resolve(null),
    async keyAt(gateway: string, seq: number) {
      assertSeq(seq);
      const key = (await read('keyAt', (c) => c.getFunction('keyAt')(to0x(gateway, 32, 'gateway'), seq))) as string;
      return key === '0x' ? null : from0x(key);
    },
  };
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `seq must be a non-negative integer, got ${String(seq)}`);
  }
}
