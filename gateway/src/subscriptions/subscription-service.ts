import { randomUUID } from 'node:crypto';
import { decodeLeaf, kindName, LEAF_LENGTH, type EvidenceKindName } from '@evidence/core';
import { GatewayError } from '../errors.js';
import { QUEUES, type DeliveryJob } from '../jobs.js';
import type { JobQueue } from '../ports/queue.js';
import type { BatchRecord, BatchStore, DeliveryRef, Subscription, SubscriptionStore } from '../ports/store.js';
import type { ProofService } from '../proofs/proof-service.js';
import { signWebhook } from './webhook-signature.js';
import { checkWebhookUrl, resolveTarget, type WebhookPolicy } from './webhook-target.js';

/** Bundles per delivery: a 1024-leaf batch goes out in a few requests of a few hundred kB. */
const CHUNK = 256;

export interface SubscriptionServiceOptions {
  store: SubscriptionStore & Pick<BatchStore, 'getBatch'>;
  queue: JobQueue;
  proofs: ProofService;
  gatewayId: string;
  sm2: { privateKey: string; publicKey: string };
  policy: WebhookPolicy;
  /** Subscriptions one client may hold. */
  maxPerClient: number;
  /** Keep pending deliveries in the store (a queue that forgets its jobs on a crash: the in-process one). */
  outbox: boolean;
  /** Resolution, replaceable in tests. */
  resolve?: Parameters<typeof resolveTarget>[2];
  /** Which records a subscriber may receive (an insurer: what its patients' consents on chain cover); all when absent. */
  visible?: (client: string, records: { subject: string; kind: number }[]) => Promise<boolean[]>;
}

/**
 * Push instead of poll: when a batch is anchored, every subscriber whose kinds
 * match receives the proof bundles of that batch's matching evidence (without
 * disclosure), signed by the gateway and retried until it answers 2xx.
 *
 * With the in-process queue, each pending delivery is also named in its
 * subscription's record ({ seq, chunk }) before it is queued, and struck off
 * once delivered; a start queues again whatever a crash left. Deleting a
 * subscription deletes that list with it, and each attempt first checks the
 * subscription still exists.
 */
export class SubscriptionService {
  /** Subscription records are read, changed and written one at a time. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: SubscriptionServiceOptions) {}

  async create(client: string, url: string, kinds: EvidenceKindName[]): Promise<Subscription> {
    const checked = checkWebhookUrl(url, this.o.policy);
    await resolveTarget(checked, this.o.policy, this.o.resolve);
    return this.serially(async () => {
      const mine = (await this.o.store.listSubscriptions()).filter((s) => s.client === client).length;
      if (mine >= this.o.maxPerClient) {
        throw new GatewayError('SUBSCRIPTION_LIMIT', `client ${client} already holds ${mine} subscriptions, the most allowed (WEBHOOK_MAX_PER_CLIENT); delete one first / 订阅数已达上限`);
      }
      const s: Subscription = { id: randomUUID(), client, url: checked.toString(), kinds: [...new Set(kinds)], createdAt: Date.now() };
      await this.o.store.putSubscription(s);
      return s;
    });
  }

  async list(client: string | null): Promise<Subscription[]> {
    const all = await this.o.store.listSubscriptions();
    return (client === null ? all : all.filter((s) => s.client === client)).map(({ pending: _, ...view }) => view);
  }

  /** Deletes a subscription of `client` (or any, when client is null: administrators); its pending deliveries end. */
  async remove(id: string, client: string | null): Promise<void> {
    await this.serially(async () => {
      const s = await this.find(id);
      if (!s || (client !== null && s.client !== client)) throw new GatewayError('SUBSCRIPTION_NOT_FOUND', `no subscription ${id}`);
      await this.o.store.deleteSubscription(id);
    });
  }

  /** Whether a delivery's subscription still exists. */
  async stillWanted(job: DeliveryJob): Promise<boolean> {
    return (await this.find(job.subscription)) !== null;
  }

  /** A delivery is over: struck off its subscription's outbox. */
  async settled(job: DeliveryJob): Promise<void> {
    const ref = job.ref;
    if (!this.o.outbox || !ref) return;
    await this.serially(async () => {
      const s = await this.find(job.subscription);
      if (!s?.pending?.some((p) => p.seq === ref.seq && p.chunk === ref.chunk)) return;
      await this.o.store.putSubscription({ ...s, pending: s.pending.filter((p) => p.seq !== ref.seq || p.chunk !== ref.chunk) });
    });
  }

  /** Queues again the deliveries a previous run left pending (in-process queue). */
  async resume(): Promise<number> {
    if (!this.o.outbox) return 0;
    let queued = 0;
    for (const s of await this.o.store.listSubscriptions()) {
      for (const ref of s.pending ?? []) {
        const batch = await this.o.store.getBatch(ref.seq);
        if (!batch) continue;
        const job = await this.job(s, batch, await this.matching(s, batch), ref.chunk);
        if (job) {
          await this.o.queue.add(QUEUES.deliver, job, { jobId: jobId(job) });
          queued++;
        }
      }
    }
    return queued;
  }

  /** Queues the deliveries for a batch that was just anchored. */
  async batchAnchored(batch: BatchRecord): Promise<number> {
    const subs = await this.o.store.listSubscriptions();
    if (subs.length === 0) return 0;
    let queued = 0;
    for (const s of subs) {
      const indices = await this.matching(s, batch);
      const jobs: DeliveryJob[] = [];
      for (let c = 0; c * CHUNK < indices.length; c++) jobs.push((await this.job(s, batch, indices, c))!);
      if (jobs.length === 0) continue;
      if (this.o.outbox) {
        const refs = jobs.map((j) => j.ref!);
        const kept = await this.serially(async () => {
          const current = await this.find(s.id);
          if (!current) return false;
          const pending = (current.pending ?? []).filter((p) => !refs.some((r) => r.seq === p.seq && r.chunk === p.chunk));
          await this.o.store.putSubscription({ ...current, pending: [...pending, ...refs] });
          return true;
        });
        if (!kept) continue;
      }
      for (const job of jobs) await this.o.queue.add(QUEUES.deliver, job, { jobId: jobId(job) });
      queued += jobs.length;
    }
    return queued;
  }

  private async matching(s: Subscription, batch: BatchRecord): Promise<number[]> {
    const wanted = new Set(s.kinds);
    const out: number[] = [];
    for (let i = 0; i < batch.header.size; i++) {
      if (wanted.size === 0 || wanted.has(kindName(batch.leaves[i * LEAF_LENGTH + 1]!))) out.push(i);
    }
    if (!this.o.visible || out.length === 0) return out;
    const leaves = out.map((i) => decodeLeaf(batch.leaves.subarray(i * LEAF_LENGTH, (i + 1) * LEAF_LENGTH)));
    const shown = await this.o.visible(s.client, leaves.map((l) => ({ subject: l.subject, kind: l.kind })));
    return out.filter((_, j) => shown[j]);
  }

  private async job(s: Subscription, batch: BatchRecord, indices: number[], chunk: number): Promise<DeliveryJob | null> {
    const slice = indices.slice(chunk * CHUNK, (chunk + 1) * CHUNK);
    if (slice.length === 0) return null;
    const delivery = `${s.id}.${batch.header.seq}.${chunk}`;
    const body = JSON.stringify({
      event: 'evidence.anchored',
      delivery,
      subscription: s.id,
      gateway: this.o.gatewayId,
      batch: { seq: batch.header.seq, root: batch.header.root, size: batch.header.size },
      bundles: await this.o.proofs.anchoredBundles(batch, slice),
    });
    const ref: DeliveryRef = { seq: batch.header.seq, chunk };
    return { subscription: s.id, url: s.url, body, headers: signWebhook(body, delivery, this.o.gatewayId, this.o.sm2), ref };
  }

  private async find(id: string): Promise<Subscription | null> {
    return (await this.o.store.listSubscriptions()).find((x) => x.id === id) ?? null;
  }

  private serially<T>(f: () => Promise<T>): Promise<T> {
    const run = this.writing.then(f);
    this.writing = run.catch(() => undefined);
    return run;
  }
}

const jobId = (job: DeliveryJob): string => `deliver-${job.subscription}-${job.ref!.seq}-${job.ref!.chunk}`;
