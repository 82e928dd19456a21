import {
  bundleVerdict,
  checkAnchor,
  checkBundleKeys,
  isIntact,
  parseBundle,
  verifyBundle,
  type AnchorCheck,
  type AnyProofBundle,
  type BundleVerdict,
  type BundleVerification,
  type KeyTrust,
  type TrustPolicy,
  type WitnessPolicy,
} from '../index.js';
import type { Anchors } from './anchors.js';
import { UsageError } from './args.js';

export interface Checked {
  offline: BundleVerification;
  bundle: AnyProofBundle | null;
  keys?: KeyTrust;
  online?: AnchorCheck;
  verdict: BundleVerdict;
}

export interface CheckOptions {
  witnesses: WitnessPolicy | undefined;
  trust: TrustPolicy | undefined;
  /** Chains to ask; undefined: offline only. */
  anchors: Anchors | undefined;
}

/**
 * One bundle through every level the verifier was given the means to check:
 * the offline steps (with the witness policy), the trust policy's keys, the
 * chain. A level is checked only when the one before it passed.
 */
export async function checkBundle(input: unknown, o: CheckOptions): Promise<Checked> {
  const offline = verifyBundle(input, { witnesses: o.witnesses });
  // An intact file short of its witness quorum still has its keys and anchor checked: the report shows every level.
  if (!isIntact(offline)) return { offline, bundle: null, verdict: bundleVerdict(offline) };
  const bundle = parseBundle(input);
  const keys = o.trust ? checkBundleKeys(bundle, o.trust) : undefined;
  let online: AnchorCheck | undefined;
  if ((!keys || keys.trusted) && o.anchors?.configured) {
    const kind = o.anchors.kindFor(bundle.anchor);
    try {
      online = await checkAnchor(bundle, await o.anchors.anchor(kind!));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      online = { anchored: false, reason: 'unreachable', message: `anchor check failed: ${(e as Error).message}` };
    }
  }
  return { offline, bundle, keys, online, verdict: bundleVerdict(offline, keys, online) };
}

/** The witness policy that applies: --witnesses when given, else the trust policy's when it names any witness. */
export function witnessPolicyOf(witnesses: WitnessPolicy | undefined, trust: TrustPolicy | undefined): WitnessPolicy | undefined {
  if (witnesses) return witnesses;
  if (trust && (trust.witnesses.quorum > 0 || trust.witnesses.witnesses.length > 0)) return trust.witnesses;
  return undefined;
}
