import { equalBytes, fromHex, toHex, ZERO32 } from '../encoding/bytes.js';
import { hashFor, type HashAlg } from '../hash/alg.js';
import { CompactRange } from './compact-range.js';
import type { Findings } from './findings.js';
import type { KeyHistory } from './keys.js';
import { ask, type Engine, type Heads } from './questions.js';
import type { AuditState } from './state.js';

/** Where an audit starts: seq 0, or the end of what a state file says was verified. */
export interface StartPoint {
  start: number;
  /** The prev batch `start` must carry. */
  lastHeaderHash: string;
  alg: HashAlg | null;
  /** The compact range of the log at `start`. */
  nodes: Uint8Array[];
  /** The last verified anchored checkpoint, whose consistency with the next one is checked. */
  prev: { index: number; size: number; root: Uint8Array } | null;
  /** Position of the first chain checkpoint still to walk. */
  nextCheckpointIndex: number;
  resumed: boolean;
}

interface Problem {
  message: string;
  severity: 'error' | 'warning';
}

const FRESH: StartPoint = { start: 0, lastHeaderHash: toHex(ZERO32), alg: null, nodes: [], prev: null, nextCheckpointIndex: 0, resumed: false };

/**
 * Resumes from a state file only when the chain still holds what it
 * recorded. When it does not (another chain, a reset, a rewritten registry),
 * that is a finding and the whole history is audited instead: a stale state
 * must never make the audit skip batches it did not verify against this chain.
 */
export function* startPoint(state: AuditState | null, gateway: string, heads: Heads, keys: KeyHistory, findings: Findings): Engine<StartPoint> {
  if (!state) return FRESH;
  const problem = yield* stateProblem(state, gateway, heads, keys);
  if (problem) {
    findings.add('state-mismatch', 'chain', state.size, `${problem.message}: the whole history is audited instead`, problem.severity);
    return FRESH;
  }
  const cp = state.checkpoint;
  return {
    start: state.size,
    lastHeaderHash: state.lastHeaderHash,
    alg: state.alg,
    nodes: state.range.map((h) => fromHex(h, 32, 'range')),
    prev: cp && { index: cp.index, size: cp.size, root: fromHex(cp.root, 32, 'checkpoint root') },
    nextCheckpointIndex: cp ? cp.index + 1 : 0,
    resumed: true,
  };
}

function* stateProblem(state: AuditState, gateway: string, heads: Heads, keys: KeyHistory): Engine<Problem | null> {
  if (state.gateway !== gateway) return error(`the state file is for gateway ${state.gateway}`);
  const checkpoint = yield* checkpointProblem(state, heads);
  if (checkpoint) return checkpoint;
  const v1 = v1Problem(state, heads);
  if (v1) return v1;
  if (keys.digestBelow(state.size) !== state.keys) {
    return error(`the registry now gives batches below ${state.size} other keys than when the state file was saved`);
  }
  return rangeProblem(state);
}

function* checkpointProblem(state: AuditState, heads: Heads): Engine<Problem | null> {
  const cp = state.checkpoint;
  if (cp) {
    const held = yield* ask({ kind: 'checkpoint-at', size: cp.size });
    if (held && held.root === cp.root && held.index === cp.index) return null;
    const holds = held ? `; it holds root ${held.root} at position ${held.index}` : '';
    return error(`the chain no longer holds the checkpoint the state file recorded (size ${cp.size}, root ${cp.root}, position ${cp.index}${holds})`);
  }
  if (!heads.checkpoint) return null;
  const [first] = yield* ask({ kind: 'checkpoints', from: 0, limit: 1 });
  if (first && first.size <= state.size) {
    return warning(`a checkpoint of size ${first.size}, at or below the state file's size ${state.size}, was anchored since it was saved`);
  }
  return null;
}

function v1Problem(state: AuditState, heads: Heads): Problem | null {
  const was = state.v1;
  const now = heads.v1;
  if (was && (!now || now.seq < was.seq || (now.seq === was.seq && now.headerHash !== was.headerHash))) {
    return error(`the chain's batches anchored one by one no longer end at ${was.seq} (${was.headerHash}) as when the state file was saved`);
  }
  if (now && (!was || now.seq > was.seq) && now.seq < state.size) {
    return warning(`batches below the state file's size ${state.size} were anchored one by one since it was saved`);
  }
  return null;
}

function rangeProblem(state: AuditState): Problem | null {
  if (!state.alg || state.size === 0) return null;
  let range: CompactRange;
  try {
    range = CompactRange.fromNodes(hashFor(state.alg), state.size, state.range.map((h) => fromHex(h, 32, 'range')));
  } catch {
    return error(`the state file's compact range does not fit its size ${state.size}`);
  }
  if (state.checkpoint && !equalBytes(range.root(), fromHex(state.checkpoint.root, 32, 'root'))) {
    return error(`the state file's compact range does not give the root of its checkpoint`);
  }
  return null;
}

const error = (message: string): Problem => ({ message, severity: 'error' });
const warning = (message: string): Problem => ({ message, severity: 'warning' });
