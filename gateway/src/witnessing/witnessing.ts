import { verifyCosignature, type Checkpoint, type Cosignature } from '@evidence/core';
import type { BatchLog } from '../log/batch-log.js';
import type { CheckpointRecord } from '../ports/store.js';
import type { CheckpointWrites } from './checkpoint-writes.js';
import { clip } from './http-cosigner.js';
import type { CosignRequest, RequestCosignature } from './port.js';
import type { WitnessEndpoint } from './settings.js';

export interface WitnessingOptions {
  witnesses: readonly WitnessEndpoint[];
  /** How many valid cosignatures collect() waits for (WITNESS_QUORUM); 0: it does not wait. */
  quorum: number;
  /** How long collect() waits for the quorum at most (WITNESS_TIMEOUT_MS). */
  timeoutMs: number;
  request: RequestCosignature;
  writes: Pick<CheckpointWrites, 'addCosignature'>;
  log: Pick<BatchLog, 'consistencyProof'>;
  logger: { info: (msg: string) => void; warn: (msg: string) => void; error: (msg: string) => void };
  /** A valid cosignature by this witness was received (metrics). */
  onCosigned?: (witness: WitnessEndpoint) => void;
  /** A request to this witness ended without one, with the refusal's or the gateway's code (metrics). */
  onFailed?: (witness: WitnessEndpoint, code: string) => void;
  /** Retry of a checkpoint a witness did not answer: after firstMs, doubling up to maxMs, while it stays the newest. */
  retry?: { firstMs: number; maxMs: number };
  now?: () => number;
}

/** One witness as /healthz shows it. */
export interface WitnessStatus {
  id: string;
  code: string | null;
  url: string;
  /** The last size this witness cosigned for this gateway, as learned since start (its 200s and 409s); 0 when none. */
  lastCosignedSize: number;
  /** The last request that ended without a valid cosignature; kept after later successes. */
  lastError: { code: string; message: string; at: number } | null;
  lastSuccessAt: number | null;
  /** Whether the last request to it failed (it does not count toward the quorum now). */
  failing: boolean;
}

type Result = 'cosigned' | 'refused' | 'transient';

interface Channel {
  witness: WitnessEndpoint;
  lastCosignedSize: number;
  lastError: WitnessStatus['lastError'];
  lastSuccessAt: number | null;
  failing: boolean;
  /** The newest checkpoint this witness should cosign; older ones are skipped (a witness accepts growth from its last). */
  wanted: CheckpointRecord | null;
  inFlight: CheckpointRecord | null;
  running: Promise<void> | null;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /** Consecutive requests without an answer, for the retry delay. */
  misses: number;
}

interface Waiter {
  failed: Set<string>;
  done: () => void;
}

/**
 * Asks the configured witnesses to cosign each checkpoint (spec section 10)
 * and keeps the valid cosignatures in the checkpoint's record, from which
 * every bundle is built, so bundles served later carry the late ones too.
 *
 * collect() waits at most timeoutMs for `quorum` of them and then returns
 * whatever came: a slow or dead witness delays a checkpoint's anchoring by at
 * most that long and never stops it. Each witness is asked one checkpoint at a
 * time, the newest, with a consistency proof from the last size it cosigned
 * (remembered in memory; a witness that knows better says so with a 409 and
 * is asked once more from its size).
 *
 * Witnesses are other parties: every answer is untrusted. A cosignature is kept
 * only when it names the configured witness id and key and verifies over this
 * exact checkpoint; an invalid one in a bundle would make the bundle fail
 * step 7 for everyone. Codes that reach metrics are the contract's.
 */
export class Witnessing {
  private readonly channels: Channel[];
  private readonly keys: Map<string, string>;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly now: () => number;
  private readonly retry: { firstMs: number; maxMs: number };

  constructor(private readonly o: WitnessingOptions) {
    if (!Number.isInteger(o.quorum) || o.quorum < 0 || o.quorum > o.witnesses.length) {
      throw new Error(`witness quorum ${o.quorum} must be an integer from 0 to the ${o.witnesses.length} witnesses configured`);
    }
    this.now = o.now ?? Date.now;
    this.retry = o.retry ?? { firstMs: 1000, maxMs: 60_000 };
    this.keys = new Map(o.witnesses.map((w) => [w.id, w.publicKey]));
    this.channels = o.witnesses.map((witness) => ({
      witness,
      lastCosignedSize: 0,
      lastError: null,
      lastSuccessAt: null,
      failing: false,
      wanted: null,
      inFlight: null,
      running: null,
      retryTimer: null,
      misses: 0,
    }));
  }

  get quorum(): number {
    return this.o.quorum;
  }

  /** Whether enough witnesses answered their last request for the quorum to be met; always true with quorum 0. */
  get quorumReachable(): boolean {
    return this.channels.filter((c) => !c.failing).length >= this.o.quorum;
  }

  status(): WitnessStatus[] {
    return this.channels.map((c) => ({
      id: c.witness.id,
      code: c.witness.code ?? null,
      url: c.witness.url,
      lastCosignedSize: c.lastCosignedSize,
      lastError: c.lastError,
      lastSuccessAt: c.lastSuccessAt,
      failing: c.failing,
    }));
  }

  /**
   * Asks every witness to cosign a freshly signed checkpoint and resolves once
   * `quorum` valid cosignatures are stored, once the quorum can no longer be
   * met, or after timeoutMs, whichever comes first. Requests still running
   * go on; what they bring is stored when it comes.
   */
  collect(record: CheckpointRecord): Promise<void> {
    if (this.stopped || this.channels.length === 0) return Promise.resolve();
    if (this.o.quorum === 0) {
      for (const c of this.channels) this.offer(c, record);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const key = keyOf(record.checkpoint);
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      this.waiters.set(key, set);
      const waiter: Waiter = {
        failed: new Set(),
        done: () => {
          clearTimeout(timer);
          set.delete(waiter);
          if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, this.o.timeoutMs);
      set.add(waiter);
      // Registered before asking, so no answer can come before anyone listens.
      for (const c of this.channels) this.offer(c, record);
    });
  }

  /**
   * At start: asks the witnesses missing from the latest stored checkpoint
   * (signed before a restart) to cosign it, without waiting. Anchoring may send
   * it meanwhile; cosignatures that come are stored and carried by later bundles.
   */
  resume(record: CheckpointRecord | null): void {
    if (!record || this.stopped) return;
    for (const c of this.channels) {
      if (!record.cosignatures.some((s) => s.witness === c.witness.id)) this.offer(c, record);
    }
  }

  /** Aborts requests in flight and waits for them; collect() resolves at once from now on. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const c of this.channels) {
      if (c.retryTimer) clearTimeout(c.retryTimer);
      c.retryTimer = null;
    }
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.done();
    await Promise.all(this.channels.map((c) => c.running ?? Promise.resolve()));
  }

  private offer(c: Channel, record: CheckpointRecord): void {
    const wanted = c.wanted;
    if (wanted && wanted.checkpoint.size > record.checkpoint.size) {
      // A witness that cosigns the newer one would refuse this one as stale.
      this.settle(record.checkpoint, c, false);
      return;
    }
    if (wanted && wanted !== c.inFlight) this.settle(wanted.checkpoint, c, false);
    c.wanted = record;
    if (c.retryTimer) {
      clearTimeout(c.retryTimer);
      c.retryTimer = null;
    }
    this.pump(c);
  }

  private pump(c: Channel): void {
    if (this.stopped || c.running) return;
    c.running = this.drain(c).finally(() => {
      c.running = null;
    });
  }

  private async drain(c: Channel): Promise<void> {
    while (!this.stopped && c.wanted && !c.retryTimer) {
      const record = c.wanted;
      c.inFlight = record;
      let result: Result;
      try {
        result = await this.ask(c, record);
      } catch (e) {
        // The gateway's own failure (a store read): nothing the witness did.
        this.fail(c, record.checkpoint, 'WITNESS_REQUEST_FAILED', (e as Error).message);
        result = 'transient';
      } finally {
        c.inFlight = null;
      }
      if (this.stopped) return;
      if (result !== 'cosigned') this.settle(record.checkpoint, c, false);
      c.misses = result === 'transient' ? c.misses + 1 : 0;
      if (c.wanted !== record) continue;
      if (result !== 'transient') {
        c.wanted = null;
        continue;
      }
      // No answer: ask again later while nothing newer comes (a new checkpoint is asked at once).
      const delay = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** Math.min(c.misses - 1, 30));
      c.retryTimer = setTimeout(() => {
        c.retryTimer = null;
        this.pump(c);
      }, delay);
      c.retryTimer.unref?.();
    }
  }

  /** One checkpoint to one witness: the request, and once more from the witness's own size after a 409. */
  private async ask(c: Channel, record: CheckpointRecord): Promise<Result> {
    const w = c.witness;
    const cp = record.checkpoint;
    let from = c.lastCosignedSize;
    for (let attempt = 0; ; attempt++) {
      if (from > cp.size) {
        // What the witness claims (a 409, or a cosignature of a later size) puts it past this checkpoint: no proof exists.
        this.fail(c, cp, 'WITNESS_WRONG_BASE', `the witness last cosigned size ${from}, beyond this checkpoint's ${cp.size} / 见证方已联署更大的日志大小 ${from}`);
        return 'refused';
      }
      const request: CosignRequest = {
        checkpoint: cp,
        signature: { alg: 'sm2', publicKey: record.publicKey, value: record.signature },
        from,
        proof: from === 0 || from === cp.size ? [] : await this.o.log.consistencyProof(from, cp.size),
      };
      const outcome = await this.o.request(w, request, this.abort.signal);
      if (this.stopped) return 'refused';
      switch (outcome.kind) {
        case 'cosigned': {
          const checked = checkCosignature(w, cp, outcome.cosignature);
          if (typeof checked === 'string') {
            this.fail(c, cp, 'WITNESS_BAD_COSIGNATURE', checked);
            return 'refused';
          }
          // The witness has now cosigned this size, valid and by its configured key: its word on its state is good.
          c.lastCosignedSize = cp.size;
          const stored = await this.o.writes.addCosignature(cp, checked);
          this.succeed(c);
          this.o.onCosigned?.(w);
          this.settle(cp, c, stored !== null, stored);
          return 'cosigned';
        }
        case 'wrong-base':
          // Untrusted too, but it only chooses which proof the gateway computes next, once; the witness checks it.
          c.lastCosignedSize = outcome.size;
          if (attempt === 0 && outcome.size <= cp.size) {
            from = outcome.size;
            continue;
          }
          this.fail(c, cp, 'WITNESS_WRONG_BASE', `${outcome.message} (it says it last cosigned size ${outcome.size}; asked from ${from}) / 见证方称其上次联署的大小为 ${outcome.size}`);
          return 'refused';
        case 'refused':
          this.fail(c, cp, outcome.code, outcome.message);
          // A 5xx is the witness's trouble, not a verdict on the checkpoint: ask again later.
          return outcome.status >= 500 ? 'transient' : 'refused';
        case 'failed':
          this.fail(c, cp, outcome.code, outcome.message);
          return outcome.code === 'WITNESS_BAD_COSIGNATURE' ? 'refused' : 'transient';
      }
    }
  }

  private succeed(c: Channel): void {
    if (c.failing) this.o.logger.info(`witness ${label(c.witness)} cosigns again / 见证方恢复联署`);
    c.failing = false;
    c.lastSuccessAt = this.now();
  }

  private fail(c: Channel, cp: Checkpoint, code: string, message: string): void {
    const text = clip(message);
    const repeated = c.failing && c.lastError?.code === code;
    c.failing = true;
    c.lastError = { code, message: text, at: this.now() };
    this.o.onFailed?.(c.witness, code);
    if (code === 'WITNESS_FORK') {
      // The witness holds, signed by this gateway's key, a checkpoint this log does not extend. Either the key or the
      // log was misused, or the witness is wrong (its answer is unverified here): a person must look, every time.
      this.o.logger.error(
        `见证方 ${label(c.witness)} 以日志分叉为由拒绝本网关大小为 ${cp.size} 的检查点：它此前联署过本网关签名、但与本日志不一致的检查点。` +
          `本网关的签名密钥或日志可能被滥用，也可能是该见证方有误，请立即核查。 / ` +
          `witness ${label(c.witness)} refused this gateway's checkpoint of size ${cp.size} as a fork (WITNESS_FORK): it cosigned a checkpoint ` +
          `signed with this gateway's key that this log does not extend. This gateway's key or log may have been misused, or the witness is wrong: check now. ` +
          `The witness said: ${text}`,
      );
      return;
    }
    // One line when a witness starts failing or fails differently, not one per checkpoint while it stays down.
    if (!repeated) this.o.logger.warn(`witness ${label(c.witness)} did not cosign checkpoint ${cp.size} / 见证方未联署: ${code} ${text}`);
  }

  /** Tells the collect() calls waiting on this checkpoint what one witness brought. */
  private settle(cp: Checkpoint, c: Channel, cosigned: boolean, stored: CheckpointRecord | null = null): void {
    const set = this.waiters.get(keyOf(cp));
    if (!set) return;
    const valid = stored ? stored.cosignatures.filter((s) => this.keys.get(s.witness) === s.publicKey).length : 0;
    for (const waiter of [...set]) {
      if (!cosigned) waiter.failed.add(c.witness.id);
      if (valid >= this.o.quorum || this.channels.length - waiter.failed.size < this.o.quorum) waiter.done();
    }
  }
}

/**
 * Reads a witness's cosignature: a string saying why when it is not one to
 * keep. Another witness's id or another key is refused even with a valid
 * signature: anyone can make a key and sign with it.
 */
export function checkCosignature(w: WitnessEndpoint, cp: Checkpoint, raw: unknown): Cosignature | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'the cosignature is not an object / 联署不是对象';
  const r = raw as Record<string, unknown>;
  if (r.witness !== w.id) return `the cosignature names witness ${clip(String(r.witness), 80)}, not ${w.id} / 联署的见证方标识不符`;
  if (r.publicKey !== w.publicKey) return `the cosignature is made with another key than the one configured for ${w.id} / 联署公钥与配置不符`;
  if (typeof r.ts !== 'number' || typeof r.value !== 'string') return 'the cosignature lacks ts or value / 联署缺少 ts 或 value';
  const cosignature: Cosignature = { witness: r.witness, ts: r.ts, publicKey: r.publicKey, value: r.value };
  if (!verifyCosignature(cp, cosignature)) return 'the cosignature does not verify over this checkpoint / 联署签名验证失败';
  return cosignature;
}

const keyOf = (cp: Checkpoint) => `${cp.size}/${cp.ts}/${cp.root}`;

function label(w: WitnessEndpoint): string {
  return w.code ? `${w.code} (${w.id.slice(0, 16)}…)` : `${w.id.slice(0, 16)}…`;
}
