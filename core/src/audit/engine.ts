import type { HashAlg } from '../hash/alg.js';
import type { AnchoredCheckpoint } from '../ports/anchor.js';
import { ChainCheckpoints, ServedCheckpoints } from './cursors.js';
import { batchesText, Findings } from './findings.js';
import { KeyHistory } from './keys.js';
import { LogCheck } from './log-check.js';
import { prepareBatch, prepareCheckpoint, type PreparedBatch, type PreparedCheckpoint } from './prepare.js';
import { ask, type Engine, type Heads, type VerifyJob } from './questions.js';
import { startPoint, type StartPoint } from './resume.js';
import { judgeSignatures, reportSignature, type SignatureVerdict } from './signatures.js';
import { AUDIT_STATE_FORMAT, hexNodes, type AuditState } from './state.js';
import type { AuditOptions, AuditReport } from './types.js';
import { V1Check } from './v1-check.js';

export interface EngineOptions extends AuditOptions {
  /** What an earlier audit verified (a state file); the audit resumes after it when the chain still holds it. */
  state?: AuditState | null;
}

export interface AuditOutcome {
  report: AuditReport;
  /** What is verified clean now, for the next run: the state given when nothing more was, null when nothing was. */
  state: AuditState | null;
}

/**
 * A regulator's audit of one gateway's history, as a generator of questions
 * (questions.ts): the chain's heads, key history and checkpoints, the
 * gateway's batches and proofs, signature checks. It walks the batches in seq
 * order, a chunk at a time (the next chunk is read and its signatures started
 * before the current one is checked), so memory stays flat whatever the
 * length of the history, and it stops at nothing: every finding is named.
 */
export function auditEngine(gateway: string, options: EngineOptions = {}): Engine<AuditOutcome> {
  return new HistoryAudit(gateway, options).run();
}

interface Chunk {
  from: number;
  to: number;
  batches: PreparedBatch[];
  checkpoints: PreparedCheckpoint[];
  ticket: number;
}

interface JudgedCheckpoint {
  prepared: PreparedCheckpoint;
  verdict: SignatureVerdict;
}

class HistoryAudit {
  private readonly findings: Findings;
  private readonly now: number;
  private readonly graceMs: number;
  private readonly chunkSize: number;
  private heads!: Heads;
  private keys = new KeyHistory([]);
  private start: StartPoint | null = null;
  private log!: LogCheck;
  private v1!: V1Check;
  private chainCheckpoints!: ChainCheckpoints;
  private servedCheckpoints!: ServedCheckpoints;
  private closed = -1;
  private anchoredEnd = 0;
  private end = 0;
  private alg: HashAlg | null = null;
  private lastHash: string | null = null;
  private next: AnchoredCheckpoint | null = null;
  private lastCheckpoint = { index: -1, size: 0 };
  /** Chain checkpoints met in the chunk being checked, by size, for the gateway's list. */
  private readonly metOnChain = new Map<number, AnchoredCheckpoint>();
  private listed: JudgedCheckpoint[] = [];
  /** The last point verified clean, kept cheap (checkpoints come every few batches) and written out once at the end. */
  private verified: { size: number; cp: AnchoredCheckpoint | null; nodes: Uint8Array[]; lastHash: string } | null = null;

  constructor(
    private readonly gateway: string,
    private readonly options: EngineOptions,
  ) {
    this.findings = new Findings(options.maxFindingsPerType);
    this.now = options.now ?? Date.now();
    this.graceMs = options.graceMs ?? 600_000;
    this.chunkSize = Math.max(1, options.chunk ?? 1024);
  }

  *run(): Engine<AuditOutcome> {
    this.heads = yield* ask({ kind: 'heads' });
    this.anchoredEnd = Math.max((this.heads.v1?.seq ?? -1) + 1, this.heads.checkpoint?.size ?? 0);
    this.v1 = new V1Check(this.findings, this.heads.v1);
    if (this.heads.closed === null) return yield* this.chainOnly();
    this.closed = this.heads.closed;
    this.end = Math.max(this.closed + 1, this.anchoredEnd);
    this.keys = new KeyHistory(yield* ask({ kind: 'keys', to: this.end }));
    this.start = yield* startPoint(this.options.state ?? null, this.gateway, this.heads, this.keys, this.findings);
    this.begin();
    yield* this.nextCheckpoint();
    yield* this.walk();
    yield* this.finish();
    return { report: this.report(), state: this.savedState() };
  }

  private begin(): void {
    const s = this.start!;
    this.alg = s.alg;
    this.lastHash = s.lastHeaderHash;
    this.log = new LogCheck(this.findings, { size: s.start, alg: s.alg, nodes: s.nodes, prev: s.prev });
    this.chainCheckpoints = new ChainCheckpoints(s.nextCheckpointIndex);
    this.servedCheckpoints = new ServedCheckpoints(s.start);
    this.lastCheckpoint = { index: s.nextCheckpointIndex - 1, size: s.prev?.size ?? 0 };
    const lostEnd = Math.min(s.start, this.anchoredEnd) - 1;
    if (this.closed + 1 <= lostEnd) {
      const closed = this.closed;
      this.findings.add(
        'not-served',
        'gateway',
        closed + 1,
        `the gateway's history now ends at ${closed}, below ${batchesText(closed + 1, lostEnd)} verified and anchored earlier`,
        'error',
        lostEnd,
      );
    }
  }

  private *walk(): Engine<void> {
    const first = this.start!.start;
    let current = first < this.end ? yield* this.read(first) : null;
    while (current) {
      const following = current.to < this.end ? yield* this.read(current.to) : null;
      yield* this.check(current);
      yield* ask({ kind: 'progress', done: current.to - first, total: this.end - first });
      // The walk may have been cut short by the chunk just checked.
      current = following && following.from < this.end ? following : null;
    }
  }

  /** Reads a chunk at the gateway (batches and the checkpoints it lists in that range) and starts its signature checks. */
  private *read(from: number): Engine<Chunk> {
    const to = Math.min(from + this.chunkSize, this.end);
    const servedTo = Math.min(to, this.closed + 1);
    const served = from < servedTo ? yield* ask({ kind: 'served', from, to: servedTo }) : [];
    const jobs: VerifyJob[] = [];
    const batches: PreparedBatch[] = [];
    for (let seq = from; seq < to; seq++) batches.push(prepareBatch(seq, served[seq - from] ?? null, this.gateway, this.keys, jobs));
    const listed = yield* this.servedCheckpoints.upTo(to);
    const checkpoints = listed.map((c) => prepareCheckpoint(c, this.gateway, this.keys, jobs));
    const ticket = jobs.length > 0 ? yield* ask({ kind: 'verify', jobs }) : -1;
    return { from, to, batches, checkpoints, ticket };
  }

  private *check(chunk: Chunk): Engine<void> {
    const valid = chunk.ticket >= 0 ? yield* ask({ kind: 'verified', ticket: chunk.ticket }) : [];
    const sigs = [...chunk.batches.map((b) => b.sig), ...chunk.checkpoints.map((c) => c.sig)];
    const verdicts = yield* judgeSignatures(sigs, valid, this.keys.keys);
    this.listed.push(...chunk.checkpoints.map((prepared, i) => ({ prepared, verdict: verdicts[chunk.batches.length + i]! })));
    for (const [i, batch] of chunk.batches.entries()) yield* this.batch(batch, verdicts[i]!);
    yield* this.compareListed(chunk.to);
    this.metOnChain.clear();
    this.stopAtEmptyTail(chunk);
  }

  /**
   * The gateway's closed seq is its own claim: one that claims far more
   * batches than it serves, above everything anchored, would keep the audit
   * reading 404s without end. A whole chunk served empty there ends the walk.
   */
  private stopAtEmptyTail(chunk: Chunk): void {
    if (chunk.from < this.anchoredEnd || chunk.to >= this.end || chunk.batches.some((b) => b.served)) return;
    this.findings.add(
      'gap',
      'gateway',
      chunk.to,
      `the gateway says it closed ${this.closed + 1} batches but served none of ${batchesText(chunk.from, chunk.to - 1)}; the batches after them were not read`,
      'error',
      this.end - 1,
    );
    this.end = chunk.to;
  }

  private *batch(b: PreparedBatch, verdict: SignatureVerdict): Engine<void> {
    const s = b.seq;
    if (!b.served || b.problem || !b.hash) {
      if (!b.served) this.absent(s);
      else this.findings.add('mismatch', 'gateway', s, b.problem ?? `the gateway's header ${s} is malformed`);
      yield* this.broken(s);
    } else {
      yield* this.served(b, verdict);
    }
    if (s === this.v1.last && !this.heads.checkpoint) this.snapshot(s + 1, null);
    if (s + 1 === this.next?.size) yield* this.boundary(this.next);
  }

  private *served(b: PreparedBatch, verdict: SignatureVerdict): Engine<void> {
    const s = b.seq;
    const header = b.served!.header;
    reportSignature(this.findings, b.sig, verdict, `header ${s}`);
    this.alg ??= b.alg;
    if (b.alg !== this.alg) {
      this.findings.add('mismatch', 'gateway', s, `header ${s} uses ${b.alg}, but the gateway's log uses ${this.alg}`);
      yield* this.broken(s);
      return;
    }
    this.log.useAlg(this.alg!);
    const linked = this.lastHash !== null && header.prev === this.lastHash;
    if (this.lastHash !== null && !linked) {
      this.findings.add('fork', 'gateway', s, `header ${s} has prev ${header.prev}, but the headerHash of batch ${s - 1} is ${this.lastHash}`);
    }
    if (s <= this.v1.last) yield* this.v1.extend(s, b.hash!, linked);
    this.log.append(b.leaf!);
    if (s >= this.anchoredEnd) this.unanchored(s, header.closedAt);
    this.lastHash = b.hash;
  }

  /** A batch that cannot take part in the chains: what links through it is unknown. */
  private *broken(seq: number): Engine<void> {
    this.log.lose();
    yield* this.v1.breakAt(seq);
    this.lastHash = null;
  }

  private absent(seq: number): void {
    const closed = this.closed;
    if (seq <= closed) {
      this.findings.run('gap', 'gateway', seq, (a, b) => `the gateway closed ${closed + 1} batches but cannot produce ${batchesText(a, b)}`);
    } else {
      this.findings.run('not-served', 'gateway', seq, (a, b) => `${batchesText(a, b)} anchored on chain but not served by the gateway (its history ends at ${closed})`);
    }
  }

  private unanchored(seq: number, closedAt: number): void {
    const age = this.now - closedAt;
    const fresh = age >= 0 && age < this.graceMs;
    const ago = `${Math.round(age / 1000)} s ago`;
    this.findings.run(
      'unanchored',
      'gateway',
      seq,
      (a, b) => (a === b ? `batch ${a} was closed ${ago} and is not anchored${fresh ? ' yet' : ''}` : `${batchesText(a, b)} are not anchored${fresh ? ' yet' : ''}; the first was closed ${ago}`),
      fresh ? 'warning' : 'error',
    );
  }

  private *boundary(cp: AnchoredCheckpoint): Engine<void> {
    this.chainCheckpoints.skip();
    this.metOnChain.set(cp.size, cp);
    const status = yield* this.log.boundary(cp);
    yield* this.compareListed(cp.size);
    if (status === 'matched' && cp.size > this.v1.last) this.snapshot(cp.size, cp);
    yield* this.nextCheckpoint();
  }

  /** The next chain checkpoint to meet; entries that break the anchor's own rules are findings and skipped. */
  private *nextCheckpoint(): Engine<void> {
    for (;;) {
      const cp = yield* this.chainCheckpoints.peek();
      this.next = cp;
      if (!cp) return;
      const wrong = this.checkpointAnomaly(cp);
      if (!wrong) {
        this.lastCheckpoint = { index: cp.index, size: cp.size };
        return;
      }
      this.findings.add('log-fork', 'chain', Math.max(0, cp.size - 1), wrong);
      this.chainCheckpoints.skip();
    }
  }

  private checkpointAnomaly(cp: AnchoredCheckpoint): string | null {
    const last = this.lastCheckpoint;
    if (cp.gateway !== this.gateway) return `the chain answered a checkpoint of gateway ${cp.gateway} among this gateway's`;
    if (cp.index !== last.index + 1) return `the chain answered the checkpoint at position ${cp.index} when asked for position ${last.index + 1}`;
    if (!(cp.size > last.size)) return `the chain's checkpoint at position ${cp.index} has size ${cp.size}, not above the size ${last.size} anchored before it`;
    return null;
  }

  /** The checkpoints the gateway lists as anchored up to `size`: each must be on chain, and signed with the key registered for its last batch. */
  private *compareListed(size: number): Engine<void> {
    const due = this.listed.filter((l) => l.prepared.served.checkpoint.size <= size);
    this.listed = this.listed.filter((l) => !(l.prepared.served.checkpoint.size <= size));
    for (const { prepared, verdict } of due) yield* this.compareOne(prepared, verdict);
  }

  private *compareOne(prepared: PreparedCheckpoint, verdict: SignatureVerdict): Engine<void> {
    const cp = prepared.served.checkpoint;
    const seq = prepared.sig.seq;
    if (prepared.problem) {
      this.findings.add('mismatch', 'gateway', seq, prepared.problem);
      return;
    }
    const onChain = this.metOnChain.get(cp.size) ?? (yield* ask({ kind: 'checkpoint-at', size: cp.size }));
    if (!onChain || onChain.root !== cp.root) {
      const holds = onChain ? `root ${onChain.root}` : 'no checkpoint';
      this.findings.add('checkpoint-not-on-chain', 'both', seq, `the gateway lists its checkpoint of size ${cp.size} (root ${cp.root}) as anchored, but the chain holds ${holds} at that size`);
    }
    reportSignature(this.findings, prepared.sig, verdict, `the checkpoint of size ${cp.size}`);
  }

  /** What is left after the last batch: listed checkpoints above the history, and the open runs. */
  private *finish(): Engine<void> {
    const rest = yield* this.servedCheckpoints.upTo(Infinity);
    if (rest.length > 0) {
      const jobs: VerifyJob[] = [];
      const prepared = rest.map((c) => prepareCheckpoint(c, this.gateway, this.keys, jobs));
      const valid = jobs.length > 0 ? yield* ask({ kind: 'verified', ticket: yield* ask({ kind: 'verify', jobs }) }) : [];
      const verdicts = yield* judgeSignatures(prepared.map((p) => p.sig), valid, this.keys.keys);
      this.listed.push(...prepared.map((p, i) => ({ prepared: p, verdict: verdicts[i]! })));
    }
    yield* this.compareListed(Infinity);
  }

  /** Batches 0..size-1 are verified clean: what the next run may start from. */
  private snapshot(size: number, cp: AnchoredCheckpoint | null): void {
    const range = this.log.rangeNow;
    if (this.findings.historyErrors > 0 || !range || range.size !== size || this.lastHash === null) return;
    this.verified = { size, cp, nodes: range.hashes(), lastHash: this.lastHash };
  }

  /** The state to save: the last clean point of this run, else the state it resumed from, else none. */
  private savedState(): AuditState | null {
    const v = this.verified;
    if (!v) return this.start?.resumed ? (this.options.state ?? null) : null;
    return {
      format: AUDIT_STATE_FORMAT,
      gateway: this.gateway,
      alg: this.alg,
      size: v.size,
      lastHeaderHash: v.lastHash,
      range: hexNodes(v.nodes),
      checkpoint: v.cp && { index: v.cp.index, size: v.cp.size, root: v.cp.root },
      v1: this.heads.v1,
      keys: this.keys.digestBelow(v.size),
      savedAt: this.now,
    };
  }

  /** Without a gateway: the chain's own checkpoint list must keep the anchor's rules. */
  private *chainOnly(): Engine<AuditOutcome> {
    this.chainCheckpoints = new ChainCheckpoints(0);
    const last = this.heads.checkpoint?.index ?? -1;
    yield* this.nextCheckpoint();
    // Up to the latest the chain named at the start: a node answering pages without end cannot hold the audit.
    while (this.next && this.next.index <= last) {
      this.chainCheckpoints.skip();
      yield* this.nextCheckpoint();
    }
    return { report: this.report(), state: this.options.state ?? null };
  }

  private report(): AuditReport {
    this.findings.flush();
    const from = this.start?.start ?? 0;
    return {
      gateway: this.gateway,
      anchored: this.anchoredEnd,
      closed: this.closed + 1,
      ok: this.findings.errors === 0,
      findings: this.findings.list,
      counts: this.findings.counts,
      anchoredOneByOne: this.v1.last + 1,
      log: { checkpoints: (this.heads.checkpoint?.index ?? -1) + 1, size: this.heads.checkpoint?.size ?? 0 },
      audited: { from, to: Math.max(from, this.end) },
      resumedFrom: this.start?.resumed ? this.start.start : null,
      truncated: this.findings.truncated,
    };
  }
}
