import { shortKey, type Findings } from './findings.js';
import type { SignatureCheck } from './prepare.js';
import { ask, type Engine, type VerifyJob } from './questions.js';

export type SignatureVerdict =
  | { kind: 'ok' }
  /** Nothing to judge: what was signed is malformed, reported as such. */
  | { kind: 'skip' }
  | { kind: 'not-hex' }
  | { kind: 'no-key' }
  | { kind: 'rotated'; key: string }
  | { kind: 'bad' };

/**
 * Verdicts for a chunk's signatures once the registered keys have answered:
 * a signature that fails is tried again with the gateway's other keys (the
 * key the gateway names first), so a rotated-out key is named as such rather
 * than as a plain bad signature. Failures are rare, so this second round is
 * small.
 */
export function* judgeSignatures(checks: readonly SignatureCheck[], valid: readonly boolean[], knownKeys: readonly string[]): Engine<SignatureVerdict[]> {
  const verdicts: SignatureVerdict[] = checks.map((c) => first(c, valid));
  const retries: { at: number; keys: string[] }[] = [];
  const jobs: VerifyJob[] = [];
  checks.forEach((c, at) => {
    if (verdicts[at]!.kind !== 'bad' || !c.message || !c.signature) return;
    const others = knownKeys.filter((k) => k !== c.key).sort((a, b) => Number(b === c.hint) - Number(a === c.hint));
    for (const key of others) jobs.push({ message: c.message, signature: c.signature, key });
    retries.push({ at, keys: others });
  });
  if (jobs.length === 0) return verdicts;
  const ticket = yield* ask({ kind: 'verify', jobs });
  const again = yield* ask({ kind: 'verified', ticket });
  let j = 0;
  for (const r of retries) {
    const hit = r.keys.findIndex((_, i) => again[j + i]);
    if (hit >= 0) verdicts[r.at] = { kind: 'rotated', key: r.keys[hit]! };
    j += r.keys.length;
  }
  return verdicts;
}

function first(c: SignatureCheck, valid: readonly boolean[]): SignatureVerdict {
  if (c.job >= 0) return valid[c.job] ? { kind: 'ok' } : { kind: 'bad' };
  if (!c.message) return { kind: 'skip' };
  if (!c.signature) return { kind: 'not-hex' };
  return { kind: 'no-key' };
}

/** Adds the finding a verdict calls for; `what` names the signed thing ("header 4", "the checkpoint of size 9"). */
export function reportSignature(findings: Findings, c: SignatureCheck, v: SignatureVerdict, what: string): void {
  const seq = c.seq;
  switch (v.kind) {
    case 'ok':
    case 'skip':
      return;
    case 'not-hex':
      return findings.add('bad-signature', 'gateway', seq, `the signature of ${what} is not 64 bytes of hex`);
    case 'no-key':
      return findings.add('bad-signature', 'chain', seq, `no SM2 key is registered for the gateway at seq ${seq}: the signature of ${what} cannot be checked`);
    case 'rotated':
      return findings.add(
        'rotated-key',
        'both',
        seq,
        `${what} is signed with ${shortKey(v.key)}, a key of this gateway not valid at seq ${seq} (registered: ${shortKey(c.key ?? '')})`,
      );
    case 'bad':
      return findings.add('bad-signature', 'both', seq, `the signature of ${what} does not verify against the key registered for seq ${seq} (${shortKey(c.key ?? '')})`);
  }
}
