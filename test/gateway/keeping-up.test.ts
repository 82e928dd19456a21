/**
 * Anchoring keeps up with real chains: a gateway against a chain that mines a
 * block every 2 s and another every 5 s (as consortium chains and Fabric
 * orderers cut them), under 20 and then 1,000 events/s for 60 s each. The
 * lag from acknowledgement to anchored stays bounded (p99 at most two block
 * intervals plus the batch window plus 1 s), the chain holds about one
 * transaction per block interval rather than one per batch, and every proof
 * verifies offline and online. The same on Fabric, with an orderer that cuts
 * a block every 2 s (its default BatchTimeout).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkAnchor, verifyBundle, type Anchor, type AnyProofBundle } from '@evidence/core';
import { fabricNetwork, type FabricFixture } from './support/fabric.js';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, evmEnv, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, startGateway, tempDir, type RunningGateway } from './support/gateway.js';

const SECONDS = 60;
const BATCH_WINDOW_MS = 1000;

interface Acked {
  id: string;
  at: number;
}

interface Phase {
  rate: number;
  acked: Acked[];
  startedAt: number;
  endedAt: number;
}

/** Sends `rate` events/s for SECONDS: one event per request at low rates, bulk requests of 100 at high ones. */
async function load(gw: RunningGateway, rate: number, tag: string): Promise<Phase> {
  const acked: Acked[] = [];
  const perRequest = rate >= 200 ? 100 : 1;
  const requestsPerSecond = rate / perRequest;
  const startedAt = Date.now();
  const inFlight: Promise<void>[] = [];
  let n = 0;
  for (let k = 0; k < SECONDS * requestsPerSecond; k++) {
    const due = startedAt + (k * 1000) / requestsPerSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const first = n;
    n += perRequest;
    inFlight.push(
      (async () => {
        if (perRequest === 1) {
          const r = await gw.client.post<{ id: string }>('/v1/evidence', mixedEvent(first, tag));
          expect(r.status).toBe(202);
          acked.push({ id: r.body.id, at: Date.now() });
        } else {
          const items = Array.from({ length: perRequest }, (_, i) => mixedEvent(first + i, tag));
          const r = await gw.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items });
          expect(r.status).toBe(202);
          const at = Date.now();
          for (const x of r.body.items) acked.push({ id: x.id, at });
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  return { rate, acked, startedAt, endedAt: Date.now() };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface CheckpointView {
  checkpoint: { size: number };
  anchoredAt: number;
}

/** Ack-to-anchored lag of every acknowledged event, from the batch it is in and the checkpoint that anchored it. */
async function lags(gw: RunningGateway, phase: Phase, checkpoints: CheckpointView[]): Promise<number[]> {
  const seqs = await pool(phase.acked, 16, async (a) => (await gw.client.get<{ batch: { seq: number } }>(`/v1/evidence/${a.id}`)).body.batch.seq);
  return phase.acked
    .map((a, i) => {
      const covering = checkpoints.find((c) => c.checkpoint.size > seqs[i]!)!;
      return covering.anchoredAt - a.at;
    })
    .sort((x, y) => x - y);
}

/** Both loads in turn against one gateway: the lag bound, transactions per block interval, and a sample of proofs online. */
async function keepsUp(gw: RunningGateway, label: string, blockSeconds: number, anchor: Anchor): Promise<void> {
  const bound = 2 * blockSeconds * 1000 + BATCH_WINDOW_MS + 1000;
  const all: Acked[] = [];
  for (const rate of [20, 1000]) {
    const phase = await load(gw, rate, `keep-${label}-${rate}`);
    all.push(...phase.acked);
    const heads = await settled(gw.client, 60_000);
    const checkpoints = (await gw.client.get<{ checkpoints: CheckpointView[] }>('/v1/log/checkpoints?limit=1000')).body.checkpoints;
    const lag = await lags(gw, phase, checkpoints);
    const during = checkpoints.filter((c) => c.anchoredAt >= phase.startedAt && c.anchoredAt <= phase.endedAt + bound);
    console.log(
      `${label}, block ${blockSeconds} s, ${rate} events/s: ${phase.acked.length} events, ${heads.closed + 1} batches closed in all, ${during.length} checkpoint transactions; ` +
        `ack-to-anchored p50 ${quantile(lag, 0.5)} ms, p99 ${quantile(lag, 0.99)} ms, max ${lag.at(-1)} ms (bound ${bound} ms)`,
    );
    expect(phase.acked.length).toBe(rate * SECONDS);
    expect(quantile(lag, 0.99)).toBeLessThanOrEqual(bound);
    // About one transaction per block interval, never one per batch.
    expect(during.length).toBeLessThanOrEqual(Math.ceil((phase.endedAt - phase.startedAt) / (blockSeconds * 1000)) + 3);
  }
  // Every proof verifies offline and against the chain (a spread sample: both phases, every checkpoint).
  const memo = memoAnchor(anchor);
  await pool(
    all.filter((_, i) => i % 197 === 0),
    8,
    async (a) => {
      const r = await gw.client.get<AnyProofBundle>(`/v1/evidence/${a.id}/proof`);
      expect(r.status).toBe(200);
      expect(r.body.format).toBe('evidence-proof/2');
      expect(verifyBundle(r.body)).toMatchObject({ valid: true });
      expect(await checkAnchor(r.body, memo)).toMatchObject({ anchored: true });
    },
  );
}

// One client sends 1,000 events/s and reads each back: more than the default per-client and
// per-address budgets (60,000 a minute), which an operator raises for such a client.
const SUSTAINED_LOAD_LIMITS = { RATE_LIMIT_MAX: '1000000', RATE_LIMIT_ADDRESS_MAX: '1000000' };

describe.each([2, 5])('anchoring on an EVM chain with a block every %i s', (blockSeconds) => {
  let evm: RpcEvm;
  let gw: RunningGateway;
  const data = tempDir('gw-keepup-');
  afterAll(async () => {
    await gw?.close();
    await evm?.close();
    data.remove();
  });

  it(`keeps up with 20 and then 1,000 events/s for ${SECONDS} s each`, async () => {
    evm = await rpcEvm({ blockTimeMs: blockSeconds * 1000 });
    const code = `HKEEP0${blockSeconds}`;
    const account = blockSeconds + 1;
    await evm.register(code, await gatewayPublicKey(data.path), account);
    gw = await startGateway({
      ...baseEnv(code, data.path, { BATCH_MAX_AGE_MS: String(BATCH_WINDOW_MS), ...SUSTAINED_LOAD_LIMITS }),
      ...evmEnv(evm.rpcUrl, evm.address, accountKey(account), evm.deployment.block),
    });
    await keepsUp(gw, 'EVM', blockSeconds, evm.anchorFor(account));
  }, 400_000);
});

describe('anchoring on Fabric with an orderer cutting a block every 2 s', () => {
  let fabric: FabricFixture;
  let gw: RunningGateway;
  const dir = tempDir('gw-keepup-fabric-');
  afterAll(async () => {
    await gw?.close();
    await fabric?.close();
    dir.remove();
  });

  it(`keeps up with 20 and then 1,000 events/s for ${SECONDS} s each`, async () => {
    fabric = await fabricNetwork(dir.path, { batchTimeoutMs: 2000 });
    const code = 'HKEEPFAB';
    const data = `${dir.path}/gw`;
    // A gateway process: the Fabric settings are read from its environment.
    gw = await spawnGateway({
      ...baseEnv(code, data, { ANCHOR: 'fabric', BATCH_MAX_AGE_MS: String(BATCH_WINDOW_MS), ...SUSTAINED_LOAD_LIMITS }),
      ...(await fabric.register(code, await gatewayPublicKey(data))),
    });
    await keepsUp(gw, 'Fabric', 2, await fabric.reader());
  }, 400_000);
});
