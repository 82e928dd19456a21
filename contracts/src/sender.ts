import { EvidenceError } from '@evidence/core';
import { isError, type Signer, type TransactionReceipt, type TransactionRequest } from 'ethers';
import { toEvidenceError, type ErrorDomain } from './errors.js';

export interface SendOptions {
  /** Blocks to wait for after inclusion; 1 = the including block. */
  confirmations?: number;
  /** Give up waiting for the receipt after this long. */
  timeoutMs?: number;
  /** Names the action in error messages. */
  action: string;
  domain: ErrorDomain;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Sends one signer's transactions one at a time with locally tracked nonces.
 *
 * Sends are serialised so two concurrent calls can never take the same nonce.
 * The next nonce comes from the node's pending count the first time and after
 * any failure (the node is the authority once something went wrong), and is
 * counted locally otherwise, so back-to-back sends need no extra round trip.
 * A "nonce too low" or "replacement underpriced" answer (another process used
 * the account) resynchronises and retries. Only the submission holds the lock;
 * receipts are awaited in parallel.
 */
export class TransactionSender {
  readonly #signer: Signer;
  #tail: Promise<unknown> = Promise.resolve();
  #nextNonce: number | null = null;

  constructor(signer: Signer) {
    this.#signer = signer;
  }

  get signer(): Signer {
    return this.#signer;
  }

  /** Submits a transaction and resolves with its successful receipt, or throws a mapped EvidenceError. */
  async send(request: TransactionRequest, options: SendOptions): Promise<TransactionReceipt> {
    const response = await this.#exclusive(() => this.#submit(request, options));
    let receipt: TransactionReceipt | null;
    try {
      receipt = await response.wait(options.confirmations ?? 1, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    } catch (e) {
      if (isError(e, 'CALL_EXCEPTION') && e.receipt) throw await this.#explainRevert(request, e.receipt, options);
      if (isError(e, 'TIMEOUT')) {
        throw new EvidenceError(
          options.domain.unavailable,
          `${options.action}: no receipt for ${response.hash} within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
          { cause: e },
        );
      }
      throw toEvidenceError(e, options.domain, options.action);
    }
    if (!receipt) throw new EvidenceError(options.domain.unavailable, `${options.action}: transaction ${response.hash} was dropped`);
    return receipt;
  }

  async #submit(request: TransactionRequest, options: SendOptions) {
    // After "nonce too low" the next try must be above the refused nonce, even
    // if the node's pending count (or a provider's cache of it) lags behind.
    let floor = 0;
    for (let attempt = 0; ; attempt++) {
      const nonce = this.#nextNonce ?? Math.max(await this.#signer.getNonce('pending'), floor);
      try {
        const response = await this.#signer.sendTransaction({ ...request, nonce });
        this.#nextNonce = nonce + 1;
        return response;
      } catch (e) {
        this.#nextNonce = null;
        if (attempt < 3 && isNonceConflict(e)) {
          floor = nonce + 1;
          continue;
        }
        throw toEvidenceError(e, options.domain, options.action);
      }
    }
  }

  /**
   * A transaction that passed gas estimation can still revert once mined (the
   * state moved in between). The receipt carries no reason, so the call is
   * replayed on the state just before its block to recover the custom error.
   */
  async #explainRevert(request: TransactionRequest, receipt: TransactionReceipt, options: SendOptions) {
    try {
      await this.#signer.call({ ...request, from: await this.#signer.getAddress(), blockTag: receipt.blockNumber - 1 });
    } catch (e) {
      return toEvidenceError(e, options.domain, options.action);
    }
    return new EvidenceError(options.domain.rejected, `${options.action}: transaction ${receipt.hash} reverted`);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

function isNonceConflict(e: unknown): boolean {
  if (isError(e, 'NONCE_EXPIRED') || isError(e, 'REPLACEMENT_UNDERPRICED')) return true;
  return /nonce too low|nonce has already been used|replacement transaction underpriced/i.test(
    String((e as { message?: unknown })?.message ?? ''),
  );
}

const senders = new WeakMap<Signer, TransactionSender>();

/** The one sender of a signer object, shared by the anchor adapter and every action. */
export function senderFor(signer: Signer): TransactionSender {
  let sender = senders.get(signer);
  if (!sender) {
    sender = new TransactionSender(signer);
    senders.set(signer, sender);
  }
  return sender;
}
