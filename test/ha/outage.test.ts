/**
 * Two instances of one gateway on PostgreSQL (no chain: batching is what
 * these failures threaten) facing a sequencer paused past its lease and a
 * database cut off under load.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, expectBatchedOnce, health, load, waitFor, type Cluster } from './support/cluster.js';

const clusters: Cluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.close();
});

describe('outages with two instances', () => {
  it('a sequencer paused (SIGSTOP) past its lease closes no batch after it resumes: it exits and the other carried on', async () => {
    const c = await cluster('HHASTOP1', { ANCHOR: 'none' });
    clusters.push(c);
    const a = await c.spawn();
    await waitFor(async () => (await health(a.client)).sequencer, 10_000, 'first instance sequencing');
    const b = await c.spawn();
    let targets = [a, b];
    const writing = load(() => targets.map((x) => x.client), 'ha-stop');
    await waitFor(async () => writing.acked.length >= 300, 30_000, 'acknowledgements');
    const before = (await c.query<{ epoch: string }>('SELECT epoch FROM sequencer_lease'))[0]!.epoch;
    a.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    // Requests in flight to the paused instance hang until it resumes; the writers go on through the other.
    targets = [b];
    await waitFor(async () => (await health(b.client)).sequencer, 5_000, 'takeover');
    expect(Date.now() - pausedAt).toBeLessThan(5_000);
    const taken = writing.acked.length;
    await waitFor(async () => writing.acked.length >= taken + 200, 30_000, 'intake after the takeover');
    a.child.kill('SIGCONT');
    // It finds its epoch gone (renewal or the fence refusing its next close) and exits for a fresh start.
    expect(await a.exited).toBe('75');
    expect(a.stderr()).toMatch(/sequencer lease lost/);
    await writing.stop();
    await waitFor(async () => (await b.client.heads()).pendingLeaves === 0 && (await c.query('SELECT 1 FROM pending')).length === 0, 20_000, 'all batched');

    await expectBatchedOnce(c, writing.acked);
    const epochs = await c.query<{ epoch: string; first: string; last: string }>('SELECT epoch, min(seq) AS first, max(seq) AS last FROM batches GROUP BY epoch ORDER BY epoch');
    expect(epochs.map((e) => Number(e.epoch))).toEqual([Number(before), Number(before) + 1]);
    // Every batch under the old epoch was closed before the first under the new one: none after the pause.
    expect(Number(epochs[0]!.last)).toBeLessThan(Number(epochs[1]!.first));
  }, 120_000);

  it('the database cut off under load: intake answers 503 STORE_UNAVAILABLE, nothing acknowledged is lost, intake resumes by itself', async () => {
    const proxy = await tcpProxy(5432);
    const c = await cluster('HHACUT01', { ANCHOR: 'none' }, `postgres://postgres@127.0.0.1:${proxy.port}/postgres`);
    clusters.push(c);
    try {
      const a = await c.spawn();
      await waitFor(async () => (await health(a.client)).sequencer, 10_000, 'first instance sequencing');
      const b = await c.spawn();
      const instances = [a, b];
      const writing = load(() => instances.filter((x) => x.child.exitCode === null).map((x) => x.client), 'ha-cut');
      await waitFor(async () => writing.acked.length >= 300, 30_000, 'acknowledgements');
      proxy.cut();
      await waitFor(async () => (writing.refusals.get('503 STORE_UNAVAILABLE') ?? 0) >= 20, 10_000, '503 answers');
      await new Promise((r) => setTimeout(r, 3_000));
      const during = writing.acked.length;
      proxy.restore();
      await waitFor(async () => writing.acked.length >= during + 300, 30_000, 'intake after the database came back');
      await writing.stop();
      // One instance sequences again (an instance whose lease was taken meanwhile exits 75 for its supervisor).
      const alive = instances.filter((x) => x.child.exitCode === null);
      expect(alive.length).toBeGreaterThan(0);
      await waitFor(async () => (await Promise.all(alive.map(async (x) => (await health(x.client)).sequencer))).includes(true), 10_000, 'a sequencer');
      await waitFor(async () => (await c.query('SELECT 1 FROM pending')).length === 0, 30_000, 'all batched');
      await expectBatchedOnce(c, writing.acked);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

/** A TCP proxy on 127.0.0.1 in front of the machine's PostgreSQL, whose connections the test can cut and refuse. */
async function tcpProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
