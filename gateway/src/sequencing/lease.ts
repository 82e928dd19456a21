/**
 * The sequencer lease: which of a gateway's instances closes batches, signs
 * and anchors checkpoints. Each grant has an epoch, larger than every earlier
 * one; the store refuses a sequencer write whose epoch no longer holds the
 * lease, checked inside the write's own transaction (fencing), so a process
 * that was paused past its lease cannot close a batch when it wakes.
 */
export interface SequencerLease {
  /** How long a grant or renewal lasts (ms, the database's clock). */
  readonly ttlMs: number;
  /** Takes the lease when nobody holds an unexpired one: the new epoch, or null. */
  acquire(holder: string): Promise<number | null>;
  /** Extends the grant of `epoch`: false once another instance took the lease (the epoch moved on). */
  renew(epoch: number): Promise<boolean>;
  /** Ends the grant of `epoch` now, so another instance takes over without waiting (a clean stop). */
  release(epoch: number): Promise<void>;
  /** The current holder, for health and logs. */
  current(): Promise<{ epoch: number; holder: string; expiresInMs: number } | null>;
}
