import type pg from 'pg';
import type { SequencerLease } from '../../sequencing/lease.js';
import { translate } from './errors.js';

/**
 * The lease as one row of sequencer_lease, times on the database's clock so
 * instances' clocks do not matter. A grant bumps the epoch; the store's
 * evidence_fence(epoch) checks it under a share lock, so a takeover waits for
 * a batch close in progress and every later close by the old epoch fails.
 */
export class PgLease implements SequencerLease {
  constructor(
    private readonly pool: pg.Pool,
    readonly ttlMs: number,
  ) {}

  async acquire(holder: string): Promise<number | null> {
    const rows = await this.q<{ epoch: string }>(
      `INSERT INTO sequencer_lease (name, epoch, holder, expires_at) VALUES ('sequencer', 1, $1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET epoch = sequencer_lease.epoch + 1, holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE sequencer_lease.expires_at <= clock_timestamp()
       RETURNING epoch`,
      [holder, this.ttlMs],
    );
    return rows[0] ? Number(rows[0].epoch) : null;
  }

  /**
   * Renewed while the epoch is unchanged, even past its expiry: nobody took it
   * meanwhile (a database outage), and every write made while it was expired
   * was refused by the fence anyway.
   */
  async renew(epoch: number): Promise<boolean> {
    const rows = await this.q(
      `UPDATE sequencer_lease SET expires_at = clock_timestamp() + $2 * interval '1 millisecond' WHERE name = 'sequencer' AND epoch = $1 RETURNING 1`,
      [epoch, this.ttlMs],
    );
    return rows.length > 0;
  }

  async release(epoch: number): Promise<void> {
    await this.q(`UPDATE sequencer_lease SET expires_at = clock_timestamp() WHERE name = 'sequencer' AND epoch = $1`, [epoch]);
  }

  async current(): Promise<{ epoch: number; holder: string; expiresInMs: number } | null> {
    const [row] = await this.q<{ epoch: string; holder: string; ms: number }>(
      `SELECT epoch, holder, extract(epoch FROM expires_at - clock_timestamp()) * 1000 AS ms FROM sequencer_lease WHERE name = 'sequencer'`,
    );
    return row ? { epoch: Number(row.epoch), holder: row.holder, expiresInMs: Number(row.ms) } : null;
  }

  private async q<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (e) {
      throw translate(e);
    }
  }
}
