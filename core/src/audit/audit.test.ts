import { describe, expect, it } from 'vitest';
import { headerHash, signHeader, type BatchHeader } from '../batch/header.js';
import { toHex, ZERO32 } from '../encoding/bytes.js';
import { entityId } from '../ids.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import { auditGateway, type ChainView, type GatewayView, type ServedBatch } from './audit.js';

const gateway = toHex(entityId('H330100001'));
const NOW = 1_763_900_000_000;
const oldKey = generateSm2KeyPair();
const newKey = generateSm2KeyPair();

/** A clean history of n batches; keys rotate at `rotateAt` (old key before, new key from there). */
function history(n: number, rotateAt = 3): { chain: ChainView; served: GatewayView; headers: BatchHeader[] } {
  const headers: BatchHeader[] = [];
  const served: ServedBatch[] = [];
  let prev = toHex(ZERO32);
  for (let seq = 0; seq < n; seq++) {
    const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 4, root: toHex(entityId(`root ${seq}`)), prev, closedAt: NOW - 3_600_000 + seq };
    const key = seq < rotateAt ? oldKey : newKey;
    headers.push(header);
    served.push({ header, signature: toHex(signHeader(header, key.privateKey, key.publicKey)), publicKey: key.publicKey });
    prev = toHex(headerHash(header));
  }
  const chain: ChainView = {
    gateway,
    latest: n > 0 ? { seq: n - 1, headerHash: prev } : null,
    batches: headers.map((h) => ({ gateway, seq: h.seq, alg: h.alg, size: h.size, root: h.root, headerHash: toHex(headerHash(h)) })),
    keys: headers.map((h) => (h.seq < rotateAt ? oldKey.publicKey : newKey.publicKey)),
  };
  return { chain, served: { closed: n - 1, batches: served }, headers };
}

const findings = (r: ReturnType<typeof auditGateway>) => r.findings.map((f) => [f.type, f.source, f.seq, f.severity]);

describe('auditGateway', () => {
  it('a clean history across a key rotation: no findings', () => {
    const { chain, served } = history(6);
    const r = auditGateway(chain, served, { now: NOW });
    expect(r).toMatchObject({ gateway, anchored: 6, closed: 6, ok: true, findings: [] });
    expect(Object.values(r.counts).every((c) => c === 0)).toBe(true);
  });

  it('an empty history is clean', () => {
    expect(auditGateway({ gateway, latest: null, batches: [], keys: [] }, { closed: -1, batches: [] })).toMatchObject({ ok: true, anchored: 0, closed: 0, findings: [] });
  });

  it('a gap at the gateway: a closed batch it cannot produce', () => {
    const { chain, served } = history(6);
    const batches = [...served.batches];
    batches[2] = null;
    const r = auditGateway(chain, { ...served, batches }, { now: NOW });
    expect(r.ok).toBe(false);
    expect(findings(r)).toEqual([['gap', 'gateway', 2, 'error']]);
  });

  it('a gap on chain: a seq below the latest that the chain does not return', () => {
    const { chain, served } = history(6);
    const batches = [...chain.batches];
    batches[1] = null;
    const r = auditGateway({ ...chain, batches }, served, { now: NOW });
    expect(findings(r)).toEqual([['gap', 'chain', 1, 'error']]);
  });

  it('a fork: the gateway serves another header (properly signed) than the one anchored, and the next prev no longer links', () => {
    const { chain, served } = history(6);
    const forked: BatchHeader = { ...served.batches[3]!.header, root: toHex(entityId('another root')) };
    const batches = [...served.batches];
    batches[3] = { header: forked, signature: toHex(signHeader(forked, newKey.privateKey, newKey.publicKey)), publicKey: newKey.publicKey };
    const r = auditGateway(chain, { ...served, batches }, { now: NOW });
    expect(findings(r)).toEqual([
      ['fork', 'both', 3, 'error'],
      ['fork', 'gateway', 4, 'error'],
    ]);
    expect(r.findings[0]!.message).toContain(`root ${forked.root}`);
    expect(r.counts.fork).toBe(2);
  });

  it('a fork in the served chain alone: a prev that skips its predecessor', () => {
    const { chain, served } = history(4);
    const broken: BatchHeader = { ...served.batches[2]!.header, prev: toHex(ZERO32) };
    const batches = [...served.batches];
    batches[2] = { header: broken, signature: toHex(signHeader(broken, oldKey.privateKey)), publicKey: oldKey.publicKey };
    const r = auditGateway({ ...chain, latest: { seq: 1, headerHash: chain.batches[1]!.headerHash }, batches: chain.batches.slice(0, 2) }, { ...served, batches }, { now: NOW - 3_600_000 });
    expect(r.findings.filter((f) => f.type === 'fork').map((f) => f.seq)).toEqual([2, 3]);
  });

  it('a signature made with the rotated-out key on a batch after the rotation', () => {
    const { chain, served } = history(6, 3);
    const h = served.batches[4]!.header;
    const batches = [...served.batches];
    // The gateway even names the old key beside it: the registered key for seq 4 decides.
    batches[4] = { header: h, signature: toHex(signHeader(h, oldKey.privateKey)), publicKey: oldKey.publicKey };
    const r = auditGateway(chain, { ...served, batches }, { now: NOW });
    expect(findings(r)).toEqual([['rotated-key', 'both', 4, 'error']]);
    expect(r.findings[0]!.message).toMatch(/not valid at seq 4/);
  });

  it('a bad signature: altered bytes, an unknown key, a signature that is not hex', () => {
    const { chain, served } = history(5);
    const stranger = generateSm2KeyPair();
    const batches = [...served.batches];
    const sig = served.batches[0]!.signature;
    batches[0] = { ...served.batches[0]!, signature: (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1) };
    batches[1] = { ...served.batches[1]!, signature: toHex(signHeader(served.batches[1]!.header, stranger.privateKey)), publicKey: stranger.publicKey };
    batches[2] = { ...served.batches[2]!, signature: 'zz' };
    const r = auditGateway(chain, { ...served, batches }, { now: NOW });
    expect(findings(r)).toEqual([
      ['bad-signature', 'both', 0, 'error'],
      ['bad-signature', 'both', 1, 'error'],
      ['bad-signature', 'gateway', 2, 'error'],
    ]);
  });

  it('no key registered for a seq: the signature cannot be checked', () => {
    const { chain, served } = history(2);
    const r = auditGateway({ ...chain, keys: [chain.keys[0]!, null] }, served, { now: NOW });
    expect(findings(r)).toEqual([['bad-signature', 'chain', 1, 'error']]);
  });

  it('batches the gateway holds but never anchored: an error once older than the grace, a warning before', () => {
    const { chain, served, headers } = history(6);
    const cut: ChainView = { ...chain, latest: { seq: 3, headerHash: chain.batches[3]!.headerHash }, batches: chain.batches.slice(0, 4) };
    const stale = auditGateway(cut, served, { now: NOW });
    expect(findings(stale)).toEqual([
      ['unanchored', 'gateway', 4, 'error'],
      ['unanchored', 'gateway', 5, 'error'],
    ]);
    const fresh = auditGateway(cut, served, { now: headers[5]!.closedAt + 1000, graceMs: 60_000 });
    expect(fresh.ok).toBe(true);
    expect(fresh.findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
  });

  it('batches on chain that the gateway does not serve (a rolled-back gateway)', () => {
    const { chain, served } = history(5);
    const r = auditGateway(chain, { closed: 2, batches: served.batches.slice(0, 3) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['not-served', 'gateway', 3, 'error'],
      ['not-served', 'gateway', 4, 'error'],
    ]);
  });

  it('served headers that are not the batch asked for, or malformed', () => {
    const { chain, served } = history(3);
    const batches = [...served.batches];
    batches[1] = served.batches[2]!;
    batches[2] = { ...served.batches[2]!, header: { ...served.batches[2]!.header, root: 'xyz' } };
    const r = auditGateway(chain, { ...served, batches }, { now: NOW });
    expect(findings(r)).toEqual([
      ['mismatch', 'gateway', 1, 'error'],
      ['mismatch', 'gateway', 2, 'error'],
    ]);
  });

  it('a chain whose latest headerHash is not that of its latest batch', () => {
    const { chain, served } = history(3);
    const r = auditGateway({ ...chain, latest: { seq: 2, headerHash: 'ab'.repeat(32) } }, served, { now: NOW });
    expect(findings(r)).toEqual([['fork', 'chain', 2, 'error']]);
  });

  it('without a gateway view, checks the chain alone', () => {
    const { chain } = history(4);
    const batches = [...chain.batches];
    batches[2] = null;
    const r = auditGateway({ ...chain, batches }, null, { now: NOW });
    expect(findings(r)).toEqual([['gap', 'chain', 2, 'error']]);
    expect(r.closed).toBe(0);
  });
});
