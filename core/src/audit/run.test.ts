import { describe, expect, it } from 'vitest';
import { headerHash, signHeader, type BatchHeader } from '../batch/header.js';
import { toHex, ZERO32 } from '../encoding/bytes.js';
import { entityId } from '../ids.js';
import { logLeafHash } from '../log/leaf.js';
import type { AnchoredCheckpoint } from '../ports/anchor.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import { CompactRange } from './compact-range.js';
import { hashFor } from '../hash/alg.js';
import { createVerifier } from './pool.js';
import { runAudit, type AuditChain, type GatewaySource } from './run.js';
import type { ServedBatch } from './types.js';

const gateway = toHex(entityId('H330100001'));
const key = generateSm2KeyPair();
const NOW = 1_763_900_000_000;

/** n signed batches, checkpoints every `every` batches, on an in-memory chain reached through promises as a real port is. */
function setup(n: number, every: number) {
  const served: ServedBatch[] = [];
  const range = CompactRange.empty(hashFor('keccak256'));
  const checkpoints: AnchoredCheckpoint[] = [];
  let prev = toHex(ZERO32);
  for (let seq = 0; seq < n; seq++) {
    const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 1, root: toHex(entityId(`r${seq}`)), prev, closedAt: NOW - 3_600_000 };
    served.push({ header, signature: toHex(signHeader(header, key.privateKey)), publicKey: key.publicKey });
    prev = toHex(headerHash(header));
    range.append(logLeafHash(header));
    if ((seq + 1) % every === 0 || seq === n - 1) checkpoints.push({ gateway, index: checkpoints.length, size: seq + 1, root: toHex(range.root()), ts: NOW, anchoredAt: NOW });
  }
  const reads = { keyAt: 0, keyHistory: 0 };
  const chain: AuditChain = {
    latest: () => Promise.resolve(null),
    batch: () => Promise.resolve(null),
    keyAt: () => {
      reads.keyAt++;
      return Promise.resolve(key.publicKey);
    },
    latestCheckpoint: () => Promise.resolve(checkpoints.at(-1) ?? null),
    checkpointAt: (_g, size) => Promise.resolve(checkpoints.find((c) => c.size === size) ?? null),
    checkpoints: (_g, from, limit) => Promise.resolve(checkpoints.slice(from, from + limit)),
  };
  const source: GatewaySource = { closed: () => Promise.resolve(n - 1), batch: (seq) => Promise.resolve(served[seq] ?? null) };
  return { served, chain, source, reads };
}

describe('runAudit', () => {
  it('checks signatures on worker threads and reports progress; a bad signature is named as on one thread', async () => {
    const { served, chain, source } = setup(300, 64);
    const sig = served[150]!.signature;
    served[150] = { ...served[150]!, signature: (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1) };
    const progress: number[] = [];
    const threaded = await runAudit(chain, gateway, source, { threads: 2, now: NOW, chunk: 100, onProgress: (done) => progress.push(done) });
    expect(threaded.report.findings.map((f) => [f.type, f.seq])).toEqual([['bad-signature', 150]]);
    expect(progress).toEqual([100, 200, 300]);
    const inline = await runAudit(chain, gateway, source, { threads: 0, now: NOW, chunk: 100 });
    expect(inline.report).toEqual(threaded.report);
  });

  it('finds the key history through keyAt when the adapter has none, and reads it in one call when it has', async () => {
    const { chain, source, reads } = setup(50, 10);
    await runAudit(chain, gateway, source, { threads: 0, now: NOW });
    expect(reads.keyAt).toBeLessThanOrEqual(2);
    const before = reads.keyAt;
    const withHistory: AuditChain = { ...chain, keyHistory: () => Promise.resolve([{ fromSeq: 0, publicKey: key.publicKey }]) };
    const r = await runAudit(withHistory, gateway, source, { threads: 0, now: NOW });
    expect(r.report.ok).toBe(true);
    expect(reads.keyAt).toBe(before);
  });

  it('rejects when a side cannot be read (the caller reports it as unreachable), and a shared verifier is left open', async () => {
    const { chain, source } = setup(20, 10);
    const verifier = createVerifier(1);
    try {
      const down: GatewaySource = { ...source, batch: () => Promise.reject(new Error('connection refused')) };
      await expect(runAudit(chain, gateway, down, { verifier, now: NOW })).rejects.toThrow('connection refused');
      expect((await runAudit(chain, gateway, source, { verifier, now: NOW })).report.ok).toBe(true);
    } finally {
      await verifier.close();
    }
  });
});
