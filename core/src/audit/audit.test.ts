import { describe, expect, it } from 'vitest';
import { headerHash, signHeader, type BatchHeader } from '../batch/header.js';
import { toHex, ZERO32 } from '../encoding/bytes.js';
import { hashFor } from '../hash/alg.js';
import { entityId } from '../ids.js';
import { signCheckpoint, type Checkpoint } from '../log/checkpoint.js';
import { logLeafHash } from '../log/leaf.js';
import { hashChildren } from '../merkle/hashing.js';
import { consistencyRanges, inclusionRanges, splitPoint } from '../merkle/ranges.js';
import type { AnchoredCheckpoint } from '../ports/anchor.js';
import { generateSm2KeyPair, type Sm2KeyPair } from '../sm2/sm2.js';
import { auditGateway, auditViews, type ChainView, type GatewayView, type MemoryLog } from './audit.js';
import type { AuditReport, ServedBatch, ServedCheckpoint } from './types.js';

const gateway = toHex(entityId('H330100001'));
const NOW = 1_763_900_000_000;
const oldKey = generateSm2KeyPair();
const newKey = generateSm2KeyPair();
const keccak = hashFor('keccak256');

const findings = (r: AuditReport) => r.findings.map((f) => [f.type, f.source, f.through === undefined ? f.seq : `${f.seq}..${f.through}`, f.severity]);

function sign(header: BatchHeader, key: Sm2KeyPair): ServedBatch {
  return { header, signature: toHex(signHeader(header, key.privateKey)), publicKey: key.publicKey };
}

/** Headers 0..n-1 linked by prev, signed with the old key before `rotateAt` and the new key from there. */
function batches(n: number, rotateAt: number, tag = 'root'): ServedBatch[] {
  const out: ServedBatch[] = [];
  let prev = toHex(ZERO32);
  for (let seq = 0; seq < n; seq++) {
    const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 4, root: toHex(entityId(`${tag} ${seq}`)), prev, closedAt: NOW - 3_600_000 + seq };
    out.push(sign(header, seq < rotateAt ? oldKey : newKey));
    prev = toHex(headerHash(header));
  }
  return out;
}

const epochs = (rotateAt: number) => [
  { fromSeq: 0, publicKey: oldKey.publicKey },
  { fromSeq: rotateAt, publicKey: newKey.publicKey },
];

/** Version 1: every batch anchored one by one. */
function history(n: number, rotateAt = 3): { chain: ChainView; served: GatewayView } {
  const served = batches(n, rotateAt);
  const chain: ChainView = {
    gateway,
    latest: n > 0 ? { seq: n - 1, headerHash: toHex(headerHash(served[n - 1]!.header)) } : null,
    batches: served.map(({ header: h }) => ({ gateway, seq: h.seq, alg: h.alg, size: h.size, root: h.root, headerHash: toHex(headerHash(h)) })),
    keys: served.map((s) => s.publicKey),
  };
  return { chain, served: { closed: n - 1, batches: served } };
}

/** The Merkle Tree Hash of log leaf hashes (RFC 9162 2.1.1), written out independently of the audit's compact range. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return hashChildren(keccak, mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const leavesOf = (served: readonly ServedBatch[]) => served.map((s) => logLeafHash(s.header));
const rootOf = (leaves: readonly Uint8Array[], size: number) => toHex(mth(leaves.slice(0, size)));

/** A gateway's monitor API over the log it holds (`leaves`) and the checkpoints it lists. */
function memoryLog(leaves: readonly Uint8Array[], listed: ServedCheckpoint[] = []): MemoryLog {
  const range = (r: readonly [number, number]) => toHex(mth(leaves.slice(r[0], r[1])));
  return {
    checkpoints: listed,
    inclusion: (seq, size) => (size <= leaves.length ? { leafHash: toHex(leaves[seq]!), path: inclusionRanges(seq, size).map(range) } : null),
    consistency: (first, second) => (second <= leaves.length ? consistencyRanges(first, second).map(range) : null),
  };
}

function anchoredAt(leaves: readonly Uint8Array[], sizes: readonly number[]): AnchoredCheckpoint[] {
  return sizes.map((size, index) => ({ gateway, index, size, root: rootOf(leaves, size), ts: NOW - 1000, anchoredAt: NOW - 500 }));
}

/** The gateway's signed list of anchored checkpoints; each signed with the key registered for its last batch unless `keyFor` says otherwise. */
function listed(cps: readonly AnchoredCheckpoint[], keyFor = (size: number) => (size - 1 < 3 ? oldKey : newKey)): ServedCheckpoint[] {
  return cps.map((c) => {
    const checkpoint: Checkpoint = { gateway, alg: 'keccak256', size: c.size, root: c.root, ts: c.ts };
    const key = keyFor(c.size);
    return { checkpoint, signature: toHex(signCheckpoint(checkpoint, key.privateKey)), publicKey: key.publicKey };
  });
}

/** Version 2: checkpoints of the batch log anchored at `sizes`, the gateway's log and list honest. */
function logHistory(n: number, sizes: number[], rotateAt = 3, tag = 'root'): { chain: ChainView; served: GatewayView; leaves: Uint8Array[] } {
  const served = batches(n, rotateAt, tag);
  const leaves = leavesOf(served);
  const checkpoints = anchoredAt(leaves, sizes);
  const chain: ChainView = { gateway, latest: null, batches: [], keyEpochs: epochs(rotateAt), checkpoints };
  const list = listed(checkpoints, (size) => (size - 1 < rotateAt ? oldKey : newKey));
  return { chain, served: { closed: n - 1, batches: served, log: memoryLog(leaves, list) }, leaves };
}

/** The list, recording which indexes are read. */
function watched<T>(list: readonly T[], reads: number[]): T[] {
  return new Proxy([...list], {
    get(target, p, receiver) {
      if (typeof p === 'string' && /^\d+$/.test(p)) reads.push(Number(p));
      return Reflect.get(target, p, receiver) as unknown;
    },
  });
}

const replace = <T>(list: readonly T[], at: number, value: T) => list.map((v, i) => (i === at ? value : v));

describe('auditGateway, version 1 data (batches anchored one by one)', () => {
  it('a clean history across a key rotation: no findings', () => {
    const { chain, served } = history(6);
    const r = auditGateway(chain, served, { now: NOW });
    expect(r).toMatchObject({ gateway, anchored: 6, closed: 6, anchoredOneByOne: 6, ok: true, findings: [], audited: { from: 0, to: 6 }, resumedFrom: null });
    expect(Object.values(r.counts).every((c) => c === 0)).toBe(true);
  });

  it('an empty history is clean', () => {
    expect(auditGateway({ gateway, latest: null, batches: [], keys: [] }, { closed: -1, batches: [] })).toMatchObject({ ok: true, anchored: 0, closed: 0, findings: [] });
  });

  it('a gap at the gateway: a closed batch it cannot produce', () => {
    const { chain, served } = history(6);
    const r = auditGateway(chain, { ...served, batches: replace(served.batches, 2, null) }, { now: NOW });
    expect(r.ok).toBe(false);
    expect(findings(r)).toEqual([['gap', 'gateway', 2, 'error']]);
  });

  it('a fork: the gateway serves another header (properly signed) than the one anchored, and the next prev no longer links', () => {
    const { chain, served } = history(6);
    const forked: BatchHeader = { ...served.batches[3]!.header, root: toHex(entityId('another root')) };
    const r = auditGateway(chain, { ...served, batches: replace(served.batches, 3, sign(forked, newKey)) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['fork', 'both', 3, 'error'],
      ['fork', 'gateway', 4, 'error'],
    ]);
    expect(r.findings[0]!.message).toContain(`root ${forked.root}`);
    expect(r.counts.fork).toBe(2);
  });

  it('a rewritten history that links again: the first batch that differs from the anchored one is named, found by bisection', () => {
    const { chain } = history(9);
    const rewritten = batches(9, 3).slice(0, 5);
    let prev = toHex(headerHash(rewritten[4]!.header));
    for (let seq = 5; seq < 9; seq++) {
      const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 4, root: toHex(entityId(`rewritten ${seq}`)), prev, closedAt: NOW - 3_600_000 + seq };
      rewritten.push(sign(header, newKey));
      prev = toHex(headerHash(header));
    }
    const r = auditGateway(chain, { closed: 8, batches: rewritten }, { now: NOW });
    expect(findings(r)).toEqual([['fork', 'both', '5..8', 'error']]);
    expect(r.findings[0]!.message).toMatch(/batches 6\.\.8 link to it and differ too/);
  });

  it('a fork in the served chain alone: a prev that skips its predecessor', () => {
    const { chain, served } = history(4);
    const broken: BatchHeader = { ...served.batches[2]!.header, prev: toHex(ZERO32) };
    const cut = { ...chain, latest: { seq: 1, headerHash: chain.batches[1]!.headerHash }, batches: chain.batches.slice(0, 2) };
    const r = auditGateway(cut, { ...served, batches: replace(served.batches, 2, sign(broken, oldKey)) }, { now: NOW - 3_600_000 });
    expect(r.findings.filter((f) => f.type === 'fork').map((f) => f.seq)).toEqual([2, 3]);
  });

  it('a signature made with the rotated-out key on a batch after the rotation', () => {
    const { chain, served } = history(6, 3);
    // The gateway even names the old key beside it: the registered key for seq 4 decides.
    const r = auditGateway(chain, { ...served, batches: replace(served.batches, 4, sign(served.batches[4]!.header, oldKey)) }, { now: NOW });
    expect(findings(r)).toEqual([['rotated-key', 'both', 4, 'error']]);
    expect(r.findings[0]!.message).toMatch(/not valid at seq 4/);
  });

  it('a bad signature: altered bytes, an unknown key, a signature that is not hex', () => {
    const { chain, served } = history(5);
    const sig = served.batches[0]!.signature;
    const stranger = generateSm2KeyPair();
    const bad = [...served.batches];
    bad[0] = { ...served.batches[0]!, signature: (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1) };
    bad[1] = sign(served.batches[1]!.header, stranger);
    bad[2] = { ...served.batches[2]!, signature: 'zz' };
    const r = auditGateway(chain, { ...served, batches: bad }, { now: NOW });
    expect(findings(r)).toEqual([
      ['bad-signature', 'both', 0, 'error'],
      ['bad-signature', 'both', 1, 'error'],
      ['bad-signature', 'gateway', 2, 'error'],
    ]);
  });

  it('no key registered for a seq: the signature cannot be checked', () => {
    const { chain, served } = history(2);
    const r = auditGateway({ ...chain, keys: undefined, keyEpochs: [{ fromSeq: 0, publicKey: oldKey.publicKey }] }, served, { now: NOW });
    expect(findings(r)).toEqual([]);
    const late = auditGateway({ ...chain, keys: undefined, keyEpochs: [{ fromSeq: 1, publicKey: oldKey.publicKey }] }, served, { now: NOW });
    expect(findings(late)).toEqual([['bad-signature', 'chain', 0, 'error']]);
  });

  it('batches the gateway holds but never anchored: one finding per run, an error once older than the grace, a warning before', () => {
    const { chain, served } = history(6);
    const cut: ChainView = { ...chain, latest: { seq: 3, headerHash: chain.batches[3]!.headerHash }, batches: chain.batches.slice(0, 4) };
    const stale = auditGateway(cut, served, { now: NOW });
    expect(findings(stale)).toEqual([['unanchored', 'gateway', '4..5', 'error']]);
    const fresh = auditGateway(cut, served, { now: served.batches[5]!.header.closedAt + 1000, graceMs: 60_000 });
    expect(fresh.ok).toBe(true);
    expect(findings(fresh)).toEqual([['unanchored', 'gateway', '4..5', 'warning']]);
  });

  it('batches on chain that the gateway does not serve (a rolled-back gateway)', () => {
    const { chain, served } = history(5);
    const r = auditGateway(chain, { closed: 2, batches: served.batches.slice(0, 3) }, { now: NOW });
    expect(findings(r)).toEqual([['not-served', 'gateway', '3..4', 'error']]);
  });

  it('a gateway that claims far more batches than it serves: the walk stops after a chunk served empty above the anchored history', () => {
    const { chain, served } = history(5);
    const r = auditGateway(chain, { ...served, closed: 1_000_000_000 }, { now: NOW, chunk: 100 });
    expect(findings(r)).toEqual([
      ['gap', 'gateway', '5..199', 'error'],
      ['gap', 'gateway', '200..1000000000', 'error'],
    ]);
    expect(r.findings[1]!.message).toMatch(/served none of batches 100\.\.199 \(100\); the batches after them were not read/);
  });

  it('served headers that are not the batch asked for, or malformed', () => {
    const { chain, served } = history(3);
    const bad = [...served.batches];
    bad[1] = served.batches[2]!;
    bad[2] = { ...served.batches[2]!, header: { ...served.batches[2]!.header, root: 'xyz' } };
    const r = auditGateway(chain, { ...served, batches: bad }, { now: NOW });
    expect(findings(r)).toEqual([
      ['mismatch', 'gateway', 1, 'error'],
      ['mismatch', 'gateway', 2, 'error'],
    ]);
  });

  it('never reads the chain per batch while the served history matches its latest anchored header', () => {
    const { chain, served } = history(6);
    const reads: number[] = [];
    expect(auditGateway({ ...chain, batches: watched(chain.batches, reads) }, served, { now: NOW }).ok).toBe(true);
    expect(reads).toEqual([]);
  });
});

describe('auditGateway, version 2 data (the batch log and its anchored checkpoints)', () => {
  it('a clean log: every checkpoint recomputed from the served headers, the listed checkpoints on chain and signed', () => {
    const { chain, served } = logHistory(8, [3, 5, 8]);
    const r = auditGateway(chain, served, { now: NOW });
    expect(findings(r)).toEqual([]);
    expect(r).toMatchObject({ ok: true, anchored: 8, closed: 8, anchoredOneByOne: 0, log: { checkpoints: 3, size: 8 } });
  });

  it('a header rewritten after it was anchored in a checkpoint: named at the first checkpoint above it, with the leaf the anchored log holds', () => {
    const { chain, served, leaves } = logHistory(8, [3, 5, 8]);
    const rewritten: BatchHeader = { ...served.batches[4]!.header, root: toHex(entityId('rewritten')) };
    // The gateway's log store still holds the anchored leaf; only what it serves as batch 4 changed (re-signed, same prev).
    const r = auditGateway(chain, { ...served, batches: replace(served.batches, 4, sign(rewritten, newKey)) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['log-mismatch', 'both', 4, 'error'],
      ['fork', 'gateway', 5, 'error'],
    ]);
    expect(r.findings[0]!.message).toContain(`anchored at size 5 holds (${toHex(leaves[4]!)})`);
  });

  it('a rewritten stretch that links again: every rewritten batch is named, across windows', () => {
    const { chain, served } = logHistory(8, [3, 5, 8]);
    const rewritten = [...served.batches];
    let prev = toHex(headerHash(served.batches[3]!.header));
    for (let seq = 4; seq < 8; seq++) {
      const header: BatchHeader = { ...served.batches[seq]!.header, root: toHex(entityId(`rewritten ${seq}`)), prev };
      rewritten[seq] = sign(header, newKey);
      prev = toHex(headerHash(header));
    }
    // The gateway's log store still holds the anchored leaves.
    const r = auditGateway(chain, { ...served, batches: rewritten }, { now: NOW });
    expect(findings(r)).toEqual([4, 5, 6, 7].map((seq) => ['log-mismatch', 'both', seq, 'error']));
  });

  it('a fork between two anchored checkpoints: the second does not extend the first', () => {
    const a = batches(8, 3);
    const b = replace(a, 2, sign({ ...a[2]!.header, root: toHex(entityId('forked')) }, oldKey));
    let prev = toHex(headerHash(b[2]!.header));
    for (let seq = 3; seq < 8; seq++) {
      b[seq] = sign({ ...a[seq]!.header, prev }, seq < 3 ? oldKey : newKey);
      prev = toHex(headerHash(b[seq]!.header));
    }
    const [first] = anchoredAt(leavesOf(a), [4]);
    const [, second] = anchoredAt(leavesOf(b), [4, 8]);
    const chain: ChainView = { gateway, latest: null, batches: [], keyEpochs: epochs(3), checkpoints: [first!, second!] };
    // The gateway serves log b, whose checkpoint 8 the chain took although it does not extend checkpoint 4 of log a.
    const r = auditGateway(chain, { closed: 7, batches: b, log: memoryLog(leavesOf(b)) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['log-mismatch', 'both', '0..3', 'error'],
      ['log-fork', 'both', '4..7', 'error'],
    ]);
    expect(r.findings[1]!.message).toMatch(/checkpoints of size 4 .* and 8 .* are not shown consistent/);
  });

  it('a checkpoint the gateway says is anchored that the chain does not hold', () => {
    const { chain, served, leaves } = logHistory(8, [3, 5, 8]);
    const claimed = anchoredAt(leaves, [3, 5, 6, 8]);
    const wrongRoot = { ...claimed[1]!, root: rootOf(leaves, 4) };
    const list = listed([claimed[0]!, wrongRoot, claimed[2]!, claimed[3]!, { ...claimed[3]!, size: 12 }]);
    const r = auditGateway(chain, { ...served, log: memoryLog(leaves, list) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['checkpoint-not-on-chain', 'both', 4, 'error'],
      ['checkpoint-not-on-chain', 'both', 5, 'error'],
      ['checkpoint-not-on-chain', 'both', 11, 'error'],
    ]);
    expect(r.findings[1]!.message).toContain('the chain holds no checkpoint at that size');
  });

  it('a rotated key: a header and a checkpoint signed with the key rotated out before them', () => {
    const { chain, served, leaves } = logHistory(8, [3, 5, 8], 3);
    const list = listed(chain.checkpoints!.slice(0, 2)).concat(listed(chain.checkpoints!.slice(2), () => oldKey));
    const r = auditGateway(chain, { ...served, batches: replace(served.batches, 6, sign(served.batches[6]!.header, oldKey)), log: memoryLog(leaves, list) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['rotated-key', 'both', 6, 'error'],
      ['rotated-key', 'both', 7, 'error'],
    ]);
    expect(r.findings[1]!.message).toMatch(/^the checkpoint of size 8 is signed with/);
  });

  it('a bad signature on a header and on a listed checkpoint', () => {
    const { chain, served, leaves } = logHistory(6, [6]);
    const list = listed(chain.checkpoints!);
    list[0] = { ...list[0]!, signature: list[0]!.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    const bad = replace(served.batches, 1, { ...served.batches[1]!, signature: toHex(signHeader(served.batches[2]!.header, oldKey.privateKey)) });
    const r = auditGateway(chain, { ...served, batches: bad, log: memoryLog(leaves, list) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['bad-signature', 'both', 1, 'error'],
      ['bad-signature', 'both', 5, 'error'],
    ]);
  });

  it('a batch the gateway cannot produce: the log is taken up again at the next checkpoint from its proof against the chain', () => {
    const { chain, served } = logHistory(10, [3, 6, 10]);
    const rewritten = sign({ ...served.batches[8]!.header, root: toHex(entityId('rewritten')) }, newKey);
    const r = auditGateway(chain, { ...served, batches: replace(replace(served.batches, 4, null), 8, rewritten) }, { now: NOW });
    expect(findings(r)).toEqual([
      ['gap', 'gateway', 4, 'error'],
      ['log-mismatch', 'both', 8, 'error'],
      ['fork', 'gateway', 9, 'error'],
    ]);
  });

  it('batches closed after the last anchored checkpoint are not anchored; without a log API the gateway is audited on its headers alone', () => {
    const { chain, served } = logHistory(8, [3, 5]);
    const r = auditGateway(chain, { closed: 7, batches: served.batches }, { now: NOW });
    expect(findings(r)).toEqual([['unanchored', 'gateway', '5..7', 'error']]);
    expect(r.anchored).toBe(5);
  });

  it('without a gateway view, the chain alone: its checkpoints must keep the anchor rules', () => {
    const { chain } = logHistory(8, [3, 5, 8]);
    expect(auditGateway(chain, null)).toMatchObject({ ok: true, closed: 0, anchored: 8, findings: [] });
    const shrinking = [...chain.checkpoints!.slice(0, 2), { ...chain.checkpoints![2]!, size: 4 }];
    expect(findings(auditGateway({ ...chain, checkpoints: shrinking }, null))).toEqual([['log-fork', 'chain', 3, 'error']]);
  });

  it('lists at most maxFindingsPerType findings of a type, counting them all', () => {
    const { chain, served } = history(6);
    const stranger = generateSm2KeyPair();
    const r = auditGateway(chain, { ...served, batches: served.batches.map((b) => sign(b!.header, stranger)) }, { now: NOW, maxFindingsPerType: 2 });
    expect(r.findings).toHaveLength(2);
    expect(r.counts['bad-signature']).toBe(6);
    expect(r.truncated).toBe(true);
  });
});

describe('auditViews with a state file', () => {
  /** The history grown from n to m batches, checkpoints at `sizes`. */
  function grown(m: number, sizes: number[]) {
    return logHistory(m, sizes);
  }

  it('saves what it verified clean at the last anchored checkpoint, and the next run audits only what was added', () => {
    const before = grown(8, [3, 5, 8]);
    const first = auditViews(before.chain, before.served, { now: NOW });
    expect(first.state).toMatchObject({ size: 8, checkpoint: { index: 2, size: 8, root: rootOf(before.leaves, 8) }, alg: 'keccak256' });

    const after = grown(13, [3, 5, 8, 11, 13]);
    const reads: number[] = [];
    const next = auditViews(after.chain, { ...after.served, batches: watched(after.served.batches, reads) }, { now: NOW, state: first.state });
    expect(next.report).toMatchObject({ ok: true, resumedFrom: 8, audited: { from: 8, to: 13 }, findings: [] });
    expect(Math.min(...reads)).toBe(8);
    expect(next.state).toMatchObject({ size: 13, checkpoint: { index: 4, size: 13 } });
    // The incremental run ends where a full audit ends.
    expect(next.state!.range).toEqual(auditViews(after.chain, after.served, { now: NOW }).state!.range);
  });

  it('a header rewritten above the state is still caught on resume; the state does not move past a finding', () => {
    const before = grown(8, [3, 5, 8]);
    const state = auditViews(before.chain, before.served, { now: NOW }).state;
    const after = grown(13, [3, 5, 8, 11, 13]);
    const bad = replace(after.served.batches, 9, sign({ ...after.served.batches[9]!.header, root: toHex(entityId('rewritten')) }, newKey));
    const next = auditViews(after.chain, { ...after.served, batches: bad }, { now: NOW, state });
    expect(findings(next.report)).toEqual([
      ['log-mismatch', 'both', 9, 'error'],
      ['fork', 'gateway', 10, 'error'],
    ]);
    expect(next.state).toEqual(state);
  });

  it('a state file from another chain is a finding, and the whole history is audited instead', () => {
    const elsewhere = logHistory(8, [3, 5, 8], 3, 'another chain');
    const other = auditViews(elsewhere.chain, elsewhere.served, { now: NOW }).state!;
    const { chain, served } = grown(8, [3, 5, 8]);
    const r = auditViews(chain, served, { now: NOW, state: other });
    expect(findings(r.report)).toEqual([['state-mismatch', 'chain', 8, 'error']]);
    expect(r.report.findings[0]!.message).toMatch(/no longer holds the checkpoint the state file recorded/);
    expect(r.report).toMatchObject({ resumedFrom: null, audited: { from: 0, to: 8 } });
    // The full audit was clean, so this run's own state replaces the stale one.
    expect(r.state).toMatchObject({ size: 8, checkpoint: { root: rootOf(grown(8, [8]).leaves, 8) } });
  });

  it('a registry that now gives audited batches another key is a finding', () => {
    const { chain, served } = grown(8, [3, 5, 8]);
    const state = auditViews(chain, served, { now: NOW }).state!;
    const r = auditViews({ ...chain, keyEpochs: epochs(2) }, served, { now: NOW, state });
    // The full audit then finds header 2 and the checkpoint of size 3 signed with the key the registry now says was rotated out at 2.
    expect(findings(r.report)).toEqual([
      ['rotated-key', 'both', 2, 'error'],
      ['rotated-key', 'both', 2, 'error'],
      ['state-mismatch', 'chain', 8, 'error'],
    ]);
    expect(r.report.findings.map((f) => f.message.split(' is signed')[0])).toEqual(['header 2', 'the checkpoint of size 3', expect.any(String)]);
  });

  it('a chain without checkpoints (version 1 only) resumes after its latest batch anchored one by one', () => {
    const { chain, served } = history(5);
    const state = auditViews(chain, served, { now: NOW }).state!;
    expect(state).toMatchObject({ size: 5, checkpoint: null, v1: { seq: 4 } });
    const more = history(7);
    const r = auditViews(more.chain, more.served, { now: NOW, state });
    expect(r.report).toMatchObject({ ok: true, resumedFrom: 5, audited: { from: 5, to: 7 } });
    const reset = auditViews({ ...chain, latest: { seq: 4, headerHash: 'ab'.repeat(32) } }, served, { now: NOW, state });
    expect(findings(reset.report)).toContainEqual(['state-mismatch', 'chain', 5, 'error']);
  });
});
