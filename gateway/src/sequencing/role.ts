import type { SequencerLease } from './lease.js';

export interface SequencerRoleOptions {
  lease: SequencerLease;
  /** Who asks: host and process, as the lease row and the logs show it. */
  holder: string;
  /** How often the sequencer renews (a third of the lease or less). */
  renewEveryMs: number;
  /** How often a follower tries to take an expired lease; a little slower than renewal, so after a database outage the sequencer usually keeps it. */
  pollEveryMs: number;
  /** This instance holds the lease now: resume sequencing from the store (the store is fenced with `epoch` before this is called). */
  onElected: (epoch: number) => Promise<void>;
  /** The lease went to another instance (or sequencing failed beyond repair): stop sequencing, once. */
  onLost: (reason: string) => void;
  /** Each follower turn: refresh what is cached from the sequencer's writes. */
  onFollowing?: () => Promise<void>;
  logger: { info: (m: string) => void; warn: (m: string) => void; error: (m: string) => void };
}

type State = { role: 'follower' } | { role: 'sequencer'; epoch: number } | { role: 'lost'; reason: string } | { role: 'stopped' };

/**
 * One instance's part in choosing the sequencer: a follower tries to take the
 * lease every pollEveryMs; the sequencer renews it every renewEveryMs. The
 * sequencer that learns its epoch moved on stops for good (onLost): whatever
 * it held in memory may be stale, and its supervisor starts it again as a
 * follower. A database that cannot be reached is neither: the sequencer keeps
 * trying, its writes refused by the fence once the lease has expired.
 */
export class SequencerRole {
  private state: State = { role: 'follower' };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly o: SequencerRoleOptions) {}

  get isSequencer(): boolean {
    return this.state.role === 'sequencer';
  }

  get epoch(): number | null {
    return this.state.role === 'sequencer' ? this.state.epoch : null;
  }

  get role(): State['role'] {
    return this.state.role;
  }

  start(): void {
    this.schedule(0);
  }

  /** Sequencing failed in a way only a fresh start repairs (the store holds other than what this process expected). */
  lose(reason: string): void {
    if (this.state.role !== 'sequencer' && this.state.role !== 'follower') return;
    this.state = { role: 'lost', reason };
    if (this.timer) clearTimeout(this.timer);
    this.o.logger.error(`sequencer role lost: ${reason}`);
    this.o.onLost(reason);
  }

  /** Stops taking part; a sequencer releases the lease so another instance takes over at once. */
  async stop(): Promise<void> {
    const was = this.state;
    this.state = { role: 'stopped' };
    if (this.timer) clearTimeout(this.timer);
    await this.turn;
    if (was.role === 'sequencer') await this.o.lease.release(was.epoch).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.state.role === 'stopped' || this.state.role === 'lost') return;
    this.timer = setTimeout(() => {
      this.turn = this.step().finally(() => {
        const s = this.state;
        this.schedule(s.role === 'sequencer' ? this.o.renewEveryMs : this.o.pollEveryMs);
      });
    }, ms);
  }

  private async step(): Promise<void> {
    const s = this.state;
    try {
      if (s.role === 'follower') {
        const epoch = await this.o.lease.acquire(this.o.holder);
        if (epoch === null) {
          await this.o.onFollowing?.();
          return;
        }
        if (this.state.role !== 'follower') {
          // Stopped while asking: hand it straight back.
          await this.o.lease.release(epoch).catch(() => undefined);
          return;
        }
        this.state = { role: 'sequencer', epoch };
        this.o.logger.info(`sequencer: this instance (${this.o.holder}) holds the lease, epoch ${epoch}`);
        try {
          await this.o.onElected(epoch);
        } catch (e) {
          // Half started (a batcher without its anchoring, say) is no state to carry on from: a fresh process starts whole.
          this.lose(`sequencing could not start: ${(e as Error).message}`);
        }
        return;
      }
      if (s.role === 'sequencer' && !(await this.o.lease.renew(s.epoch)) && this.state.role === 'sequencer') {
        this.lose(`another instance took the sequencer lease (epoch ${s.epoch} ended)`);
      }
    } catch (e) {
      this.o.logger.warn(`sequencer lease: ${(e as Error).message}`);
    }
  }
}
