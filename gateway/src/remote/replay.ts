import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Request ids already delivered, remembered for the window in which an origin
 * hop is accepted at all (older chains are refused as expired). A replayed or
 * retried chain is therefore delivered at most once, across restarts too when
 * the window is kept in a file: a claim is appended and synced to disk before
 * the internal service is called, and the file is read back at start (entries
 * past their window dropped, the rest rewritten).
 */
export class SeenRequests {
  private readonly seen = new Map<string, number>();
  private sweptAt = 0;
  private appended = 0;
  private file: FileHandle | undefined;
  /** One claim's write at a time, in order (appends and the occasional rewrite). */
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly windowMs: number,
    private readonly path: string | undefined,
  ) {}

  /** A window kept in memory only (tests, the in-process benchmark network). */
  static inMemory(windowMs: number): SeenRequests {
    return new SeenRequests(windowMs, undefined);
  }

  /** A window kept in `path` (one line per claim: requestId expiresAt), read back now. */
  static async open(windowMs: number, path: string, now = Date.now()): Promise<SeenRequests> {
    const s = new SeenRequests(windowMs, path);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{32}) ([0-9]{1,16})$/.exec(line);
      // A torn last line (a crash mid-append) was never acknowledged: skipping it is safe.
      if (m && Number(m[2]) > now) s.seen.set(m[1]!, Number(m[2]));
    }
    await s.rewrite();
    return s;
  }

  /**
   * True the first time (once durably recorded); false for an id seen within
   * the window. The check and the claim happen before any await, so two
   * deliveries of one id at once cannot both pass.
   */
  async claim(requestId: string, now = Date.now()): Promise<boolean> {
    this.sweep(now);
    const until = this.seen.get(requestId);
    if (until !== undefined && until > now) return false;
    const expires = now + this.windowMs;
    this.seen.set(requestId, expires);
    if (this.path === undefined) return true;
    try {
      await this.enqueue(async () => {
        await this.file!.write(`${requestId} ${expires}\n`);
        await this.file!.datasync();
        if (++this.appended > 4 * Math.max(10_000, this.seen.size)) await this.rewrite();
      });
    } catch (e) {
      // Not recorded: the request is not delivered either (the caller refuses it as an internal error).
      this.seen.delete(requestId);
      throw e;
    }
    return true;
  }

  async close(): Promise<void> {
    await this.writes.catch(() => undefined);
    await this.file?.close();
    this.file = undefined;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.writes.then(task);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** The live entries into a fresh file, swapped in by rename; appends go on there. */
  private async rewrite(): Promise<void> {
    const path = this.path!;
    const tmp = `${path}.tmp`;
    const out = await open(tmp, 'w', 0o600);
    const now = Date.now();
    let body = '';
    for (const [id, until] of this.seen) if (until > now) body += `${id} ${until}\n`;
    await out.write(body);
    await out.datasync();
    await out.close();
    await rename(tmp, path);
    await this.file?.close();
    this.file = await open(path, 'a', 0o600);
    this.appended = 0;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < Math.min(this.windowMs, 10_000)) return;
    this.sweptAt = now;
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
  }
}
