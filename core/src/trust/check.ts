import { BUNDLE_FORMAT_V2, type AnyProofBundle } from '../bundle/types.js';
import type { Hop } from '../hop/hop.js';
import type { KeyLookup } from '../hop/trace.js';
import type { TrustedInstitution, TrustPolicy } from './policy.js';

/** Level 2 of a verdict: are the keys that signed this bundle the institution's registered ones? */
export type KeyTrust =
  | { trusted: true; institution: TrustedInstitution; message: string }
  | { trusted: false; reason: 'unknown-institution' | 'key-not-registered'; institution: TrustedInstitution | null; message: string };

/** The institution whose gateway id this is, or null. */
export function institutionOf(policy: TrustPolicy, gateway: string): TrustedInstitution | null {
  return policy.institutions.find((i) => i.gateway === gateway) ?? null;
}

/** The key the policy registers for the institution's batch `seq`, or null when no range holds it. */
export function institutionKeyAt(institution: TrustedInstitution, seq: number): string | null {
  const key = institution.keys.find((k) => k.fromSeq <= seq && (k.toSeq === null || seq <= k.toSeq));
  return key?.publicKey ?? null;
}

/**
 * Checks a bundle that passed the offline steps against the trust policy:
 * the batch signature's key must be the one the policy registers for
 * batch.seq, and for version 2 the checkpoint's key the one for size - 1 (the
 * last batch the checkpoint covers). Every key here was chosen by whoever
 * made the bundle; only the policy says whose they are.
 */
export function checkBundleKeys(bundle: AnyProofBundle, policy: TrustPolicy): KeyTrust {
  const gateway = bundle.batch.gateway;
  const institution = institutionOf(policy, gateway);
  if (!institution) {
    return { trusted: false, reason: 'unknown-institution', institution: null, message: `gateway ${gateway} is not an institution of the trust policy` };
  }
  const named = institution.name || institution.code || gateway.slice(0, 16);
  const seq = bundle.batch.seq;
  if (institutionKeyAt(institution, seq) !== bundle.signature.publicKey) {
    return { trusted: false, reason: 'key-not-registered', institution, message: `signature.publicKey is not ${named}'s registered key for batch ${seq}` };
  }
  if (bundle.format === BUNDLE_FORMAT_V2) {
    const last = bundle.log.checkpoint.size - 1;
    if (institutionKeyAt(institution, last) !== bundle.log.signature.publicKey) {
      return { trusted: false, reason: 'key-not-registered', institution, message: `log.signature.publicKey is not ${named}'s registered key for batch ${last}` };
    }
  }
  return { trusted: true, institution, message: `the batch${bundle.format === BUNDLE_FORMAT_V2 ? ' and checkpoint' : ''} keys are ${named}'s registered keys` };
}

/**
 * The keys the policy registers for the signers of these hops: a routing node
 * by the hop's time, an institution's gateway by its key's fromTime (or its
 * only key). A signer the policy does not know resolves to nothing, so
 * verifyTrace fails that hop at `unknown node`; a hop signed with another key
 * fails at `signature`. The lookup is by id alone, so each signer's key is
 * fixed at its first hop's time (the hops of one request are moments apart).
 */
export function policyKeyLookup(policy: TrustPolicy, hops: readonly Hop[]): KeyLookup {
  const firstTs = new Map<string, number>();
  if (Array.isArray(hops)) {
    for (const h of hops) if (h && typeof h.node === 'string' && typeof h.ts === 'number' && !firstTs.has(h.node)) firstTs.set(h.node, h.ts);
  }
  return (id) => {
    const ts = firstTs.get(id) ?? Number.MAX_SAFE_INTEGER;
    const node = policy.nodes.find((n) => n.id === id);
    if (node) return latestFrom(node.keys.map((k) => ({ publicKey: k.publicKey, from: k.fromTime })), ts);
    const institution = institutionOf(policy, id);
    if (!institution) return undefined;
    if (institution.keys.length === 1) return institution.keys[0]!.publicKey;
    return latestFrom(institution.keys.map((k) => ({ publicKey: k.publicKey, from: k.fromTime ?? 0 })), ts);
  };
}

function latestFrom(keys: { publicKey: string; from: number }[], ts: number): string | undefined {
  let found: string | undefined;
  for (const k of keys) if (k.from <= ts) found = k.publicKey;
  return found;
}

/** The name to show for a signer id: the policy's name and code, else the trace file's code, else the id's start. */
export function signerName(policy: TrustPolicy | null, id: string, fallback?: string): string {
  const entry = policy ? (policy.nodes.find((n) => n.id === id) ?? institutionOf(policy, id)) : null;
  if (entry && (entry.name || entry.code)) return [entry.name, entry.code].filter(Boolean).join(' ');
  return fallback ?? `${id.slice(0, 16)}…`;
}
