import { headerHash, verifyHeaderSignature, type BatchHeader } from '../batch/header.js';
import { fromHex, toHex, ZERO32 } from '../encoding/bytes.js';
import type { AnchoredBatch } from '../ports/anchor.js';
import { prepareSm2PublicKey, type Sm2PreparedKey } from '../sm2/sm2.js';

/**
 * A regulator's audit of one gateway's whole history: the batches anchored on
 * chain against the signed headers the gateway serves. Pure: both views are
 * data gathered beforehand (collect.ts), so the same function runs in the
 * CLI, behind the gateway's /v1/audit route and in tests with planted faults.
 *
 * Neither view is trusted. The chain view comes from an RPC endpoint the
 * auditor chose; the gateway view is whatever the gateway answers, every
 * header, signature and key of it.
 */

/** What the chain says about the gateway. */
export interface ChainView {
  gateway: string;
  /** The latest anchored seq and its headerHash, or null before the first anchor. */
  latest: { seq: number; headerHash: string } | null;
  /** batches[seq] for seq 0..latest.seq; null where the chain returned nothing. */
  batches: readonly (AnchoredBatch | null)[];
  /** keys[seq]: the SM2 key registered for that seq (keys rotate), for every seq audited; null when none. */
  keys: readonly (string | null)[];
}

/** One batch as the gateway serves it (GET /v1/batches/:seq). */
export interface ServedBatch {
  header: BatchHeader;
  /** SM2 signature over the header bytes, hex. */
  signature: string;
  /** The key the gateway says signed it, hex. */
  publicKey: string;
}

/** What the gateway says about itself. */
export interface GatewayView {
  /** Its last closed seq, -1 before the first batch. */
  closed: number;
  /** batches[seq] for seq 0..closed; null where the gateway could not produce one. */
  batches: readonly (ServedBatch | null)[];
}

export type FindingType =
  /** A seq missing from a history that should be contiguous (on chain or at the gateway). */
  | 'gap'
  /** Two different headers for one seq, or a prev that does not link to the header before. */
  | 'fork'
  /** A header signature that does not verify against the key registered for its seq. */
  | 'bad-signature'
  /** A header signed with a key of the gateway that was rotated out before this seq. */
  | 'rotated-key'
  /** A batch the gateway closed and holds but that is not on chain. */
  | 'unanchored'
  /** A batch on chain that the gateway does not serve. */
  | 'not-served'
  /** A served header that is not the batch it claims to be (wrong seq, gateway, or malformed). */
  | 'mismatch';

export const FINDING_TYPES: readonly FindingType[] = ['gap', 'fork', 'bad-signature', 'rotated-key', 'unanchored', 'not-served', 'mismatch'];

export interface AuditFinding {
  type: FindingType;
  /** Where: chain, the gateway, or both compared. */
  source: 'chain' | 'gateway' | 'both';
  seq: number;
  /** error: the history is wrong; warning: expected soon to resolve (a batch closed moments ago, not anchored yet). */
  severity: 'error' | 'warning';
  message: string;
}

export interface AuditReport {
  gateway: string;
  /** Anchored batches on chain (latest seq + 1). */
  anchored: number;
  /** Batches the gateway says it closed (closed + 1). */
  closed: number;
  /** True when no finding is an error. */
  ok: boolean;
  findings: AuditFinding[];
  /** Count of findings per type. */
  counts: Record<FindingType, number>;
}

export interface AuditOptions {
  /** Now, ms (closing time of unanchored batches is compared with it). */
  now?: number;
  /** A batch closed less than this long ago and not yet anchored is a warning, not an error. Default 10 min. */
  graceMs?: number;
}

const ZERO = toHex(ZERO32);

export function auditGateway(chain: ChainView, served: GatewayView | null, options: AuditOptions = {}): AuditReport {
  const now = options.now ?? Date.now();
  const graceMs = options.graceMs ?? 600_000;
  const findings: AuditFinding[] = [];
  const add = (type: FindingType, source: AuditFinding['source'], seq: number, message: string, severity: AuditFinding['severity'] = 'error') =>
    findings.push({ type, source, seq, severity, message });

  const latest = chain.latest?.seq ?? -1;
  const closed = served?.closed ?? -1;
  // Every key ever registered for some audited seq: a signature by one of them
  // that is not the key of its own seq was made with a rotated-out (or not yet valid) key.
  const knownKeys = [...new Set(chain.keys.filter((k): k is string => k !== null))];
  const prepared = preparedKeys();

  if (chain.latest && chain.batches[latest] && chain.batches[latest]!.headerHash !== chain.latest.headerHash) {
    add('fork', 'chain', latest, `the chain's latest headerHash ${chain.latest.headerHash} is not the headerHash of its batch ${latest}`);
  }

  const servedHashes: (string | null)[] = [];
  for (let seq = 0; seq <= Math.max(latest, closed); seq++) {
    const onChain = seq <= latest ? (chain.batches[seq] ?? null) : null;
    if (seq <= latest && !onChain) add('gap', 'chain', seq, `batch ${seq} is missing on chain, though the latest anchored is ${latest}`);
    if (onChain && (onChain.seq !== seq || onChain.gateway !== chain.gateway)) {
      add('mismatch', 'chain', seq, `the chain answered batch ${onChain.gateway}/${onChain.seq} when asked for ${chain.gateway}/${seq}`);
    }

    const s = served && seq <= closed ? (served.batches[seq] ?? null) : null;
    if (!s) {
      servedHashes.push(null);
      if (served && seq <= closed) add('gap', 'gateway', seq, `the gateway closed ${closed + 1} batches but cannot produce batch ${seq}`);
      else if (served && onChain) add('not-served', 'gateway', seq, `batch ${seq} is anchored on chain but the gateway does not serve it (its history ends at ${closed})`);
      continue;
    }

    const hash = safeHeaderHash(s.header);
    servedHashes.push(hash);
    if (hash === null) {
      add('mismatch', 'gateway', seq, `the gateway's header ${seq} is malformed`);
      continue;
    }
    if (s.header.seq !== seq || s.header.gateway !== chain.gateway) {
      add('mismatch', 'gateway', seq, `the gateway served header ${s.header.gateway}/${s.header.seq} as batch ${chain.gateway}/${seq}`);
      continue;
    }

    // The seq/prev chain as the gateway serves it.
    const expectedPrev = seq === 0 ? ZERO : (servedHashes[seq - 1] ?? chain.batches[seq - 1]?.headerHash ?? null);
    if (expectedPrev !== null && s.header.prev !== expectedPrev) {
      add('fork', 'gateway', seq, `header ${seq} has prev ${s.header.prev}, but the headerHash of batch ${seq - 1} is ${expectedPrev}`);
    }

    // Chain against gateway.
    if (onChain && onChain.headerHash !== hash) {
      const what = onChain.root !== s.header.root ? `root ${s.header.root} (chain ${onChain.root})` : `headerHash ${hash} (chain ${onChain.headerHash})`;
      add('fork', 'both', seq, `the gateway serves a different batch ${seq} than the one anchored: ${what}`);
    }
    if (!onChain && seq > latest) {
      const age = now - s.header.closedAt;
      const fresh = age >= 0 && age < graceMs;
      add(
        'unanchored',
        'gateway',
        seq,
        `batch ${seq} was closed ${Math.round(age / 1000)} s ago and is not anchored${fresh ? ' yet' : ''}`,
        fresh ? 'warning' : 'error',
      );
    }

    checkSignature(seq, s, chain.keys[seq] ?? null, knownKeys, prepared, add);
  }

  const counts = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of findings) counts[f.type]++;
  return {
    gateway: chain.gateway,
    anchored: latest + 1,
    closed: closed + 1,
    ok: findings.every((f) => f.severity !== 'error'),
    findings,
    counts,
  };
}

function checkSignature(
  seq: number,
  s: ServedBatch,
  registered: string | null,
  knownKeys: readonly string[],
  prepared: (key: string) => string | Sm2PreparedKey,
  add: (type: FindingType, source: AuditFinding['source'], seq: number, message: string) => void,
): void {
  let signature: Uint8Array;
  try {
    signature = fromHex(s.signature, 64, 'signature');
  } catch {
    add('bad-signature', 'gateway', seq, `the signature of header ${seq} is not 64 bytes of hex`);
    return;
  }
  if (registered === null) {
    add('bad-signature', 'chain', seq, `no SM2 key is registered for the gateway at seq ${seq}: the signature cannot be checked`);
    return;
  }
  // The registered key decides, whatever key the gateway names beside the header.
  if (verifyHeaderSignature(s.header, signature, prepared(registered))) return;
  const other = knownKeys.find((k) => k !== registered && verifyHeaderSignature(s.header, signature, prepared(k)));
  if (other) {
    add('rotated-key', 'both', seq, `header ${seq} is signed with ${short(other)}, a key of this gateway not valid at seq ${seq} (registered: ${short(registered)})`);
    return;
  }
  add('bad-signature', 'both', seq, `the signature of header ${seq} does not verify against the key registered for seq ${seq} (${short(registered)})`);
}

/** Each registered key's curve point decoded once for the whole history; a key that does not decode is left to sm2Verify (false). */
function preparedKeys(): (key: string) => string | Sm2PreparedKey {
  const cache = new Map<string, string | Sm2PreparedKey>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) {
      try {
        p = prepareSm2PublicKey(key);
      } catch {
        p = key;
      }
      cache.set(key, p);
    }
    return p;
  };
}

function safeHeaderHash(header: BatchHeader): string | null {
  try {
    return toHex(headerHash(header));
  } catch {
    return null;
  }
}

const short = (key: string) => `${key.slice(0, 10)}…${key.slice(-6)}`;
