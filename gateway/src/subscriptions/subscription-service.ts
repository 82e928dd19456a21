import { randomUUID } from 'node:crypto';
import { kindName, LEAF_LENGTH, type EvidenceKindName } from '@evidence/core';
import { GatewayError } from '../errors.js';
import { QUEUES, type DeliveryJob } from '../jobs.js';
import type { JobQueue } from '../ports/queue.js';
import type { BatchRecord, Subscription, SubscriptionStore } from '../ports/store.js';
import type { ProofService } from '../proofs/proof-service.js';
import { signWebhook } from './webhook-signature.js';

/** Bundles per delivery: a 1024-leaf batch goes out in a few requests of a few hundred kB. */
const CHUNK = 256;

export interface SubscriptionServiceOptions {
  store: SubscriptionStore;
  queue: JobQueue;
  proofs: ProofService;
  gatewayId: string;
  sm2: { privateKey: string; publicKey: string };
}

/**
 * Push instead of poll: when a batch is anchored, every subscriber whose kinds
 * match receives the proof bundles of that batch's matching evidence (without
 * disclosure), signed by the gateway and retried until it answers 2xx.
 */
export class SubscriptionService {
  constructor(private readonly o: SubscriptionServiceOptions) {}

  async create(client: string, url: string, kinds: EvidenceKindName[]): Promise<Subscription> {
    const parsed = safeUrl(url);
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new GatewayError('VALIDATION_FAILED', 'body/url must be an http or https URL');
    }
    const s: Subscription = { id: randomUUID(), client, url: parsed.toString(), kinds: [...new Set(kinds)], createdAt: Date.now() };
    await this.o.store.putSubscription(s);
    return s;
  }

  async list(client: string | null): Promise<Subscription[]> {
    const all = await this.o.store.listSubscriptions();
    return client === null ? all : all.filter((s) => s.client === client);
  }

  /** Deletes a subscription of `client` (or any, when client is null: administrators). */
  async remove(id: string, client: string | null): Promise<void> {
    const s = (await this.o.store.listSubscriptions()).find((x) => x.id === id);
    if (!s || (client !== null && s.client !== client)) throw new GatewayError('SUBSCRIPTION_NOT_FOUND', `no subscription ${id}`);
    await this.o.store.deleteSubscription(id);
  }

  /** Queues the deliveries for a batch that was just anchored. */
  async batchAnchored(batch: BatchRecord): Promise<number> {
    const subs = await this.o.store.listSubscriptions();
    if (subs.length === 0) return 0;
    const kinds: EvidenceKindName[] = [];
    for (let i = 0; i < batch.header.size; i++) kinds.push(kindName(batch.leaves[i * LEAF_LENGTH + 1]!));
    let queued = 0;
    for (const s of subs) {
      const wanted = new Set(s.kinds);
      const indices = kinds.flatMap((k, i) => (wanted.size === 0 || wanted.has(k) ? [i] : []));
      for (let c = 0; c * CHUNK < indices.length; c++) {
        const delivery = `${s.id}.${batch.header.seq}.${c}`;
        const body = JSON.stringify({
          event: 'evidence.anchored',
          delivery,
          subscription: s.id,
          gateway: this.o.gatewayId,
          batch: { seq: batch.header.seq, root: batch.header.root, size: batch.header.size },
          bundles: await this.o.proofs.anchoredBundles(batch, indices.slice(c * CHUNK, (c + 1) * CHUNK)),
        });
        const job: DeliveryJob = { subscription: s.id, url: s.url, body, headers: signWebhook(body, delivery, this.o.gatewayId, this.o.sm2) };
        await this.o.queue.add(QUEUES.deliver, job, { jobId: `deliver-${delivery.replaceAll('.', '-')}` });
        queued++;
      }
    }
    return queued;
  }
}

function safeUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
