import type { Checkpoint, Cosignature } from '@evidence/core';
import type { CheckpointRecord, LogStore } from '../ports/store.js';

type RecordStore = Pick<LogStore, 'putCheckpoint' | 'markCheckpointAnchored' | 'checkpointAt'>;

/**
 * One queue for every write of a checkpoint record. A record is rewritten
 * whole by three writers: the checkpointer (signing, renewing), anchoring
 * (marking it anchored) and witnessing (adding a cosignature). Each reads the
 * record and writes it back, so two of them interleaved would lose the other's
 * change: a cosignature dropped, or an anchored checkpoint written back as
 * unanchored. Run one at a time, none is lost.
 */
export class CheckpointWrites {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: RecordStore) {}

  /** Runs `fn` after every write queued before it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * The store as the checkpointer and anchoring see it: the same object, with
   * its two checkpoint writes queued here. Everything else goes straight through.
   */
  guard<S extends RecordStore>(store: S): S {
    const run = <T>(fn: () => Promise<T>) => this.run(fn);
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'putCheckpoint') return (record: CheckpointRecord) => run(() => target.putCheckpoint(record));
        if (prop === 'markCheckpointAnchored') return (...args: Parameters<LogStore['markCheckpointAnchored']>) => run(() => target.markCheckpointAnchored(...args));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * Adds a verified cosignature to the stored record of exactly `checkpoint`
   * and returns the record as stored. Nothing is written when the record is
   * gone or now holds another checkpoint of that size (signed again with a
   * fresh time after an anchor found it too old: the cosignature does not
   * verify over the new bytes), or already has one by this witness.
   */
  addCosignature(checkpoint: Checkpoint, cosignature: Cosignature): Promise<CheckpointRecord | null> {
    return this.run(async () => {
      const stored = await this.store.checkpointAt(checkpoint.size);
      if (!stored || !sameCheckpoint(stored.checkpoint, checkpoint)) return null;
      if (stored.cosignatures.some((c) => c.witness === cosignature.witness)) return stored;
      const updated: CheckpointRecord = { ...stored, cosignatures: [...stored.cosignatures, cosignature] };
      await this.store.putCheckpoint(updated);
      return updated;
    });
  }
}

export function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.gateway === b.gateway && a.alg === b.alg && a.size === b.size && a.root === b.root && a.ts === b.ts;
}
