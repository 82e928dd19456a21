/**
 * How far a proposal's timestamp may be from the endorsing peer's own clock.
 *
 * "Now" in every rule is the transaction timestamp (see now() in state.ts): the
 * same on every endorser, but chosen by the client that signs the proposal.
 * Without a bound, an insurer could backdate a claim to before a consent
 * expired. So, when a bound is set, a peer refuses to endorse a proposal whose
 * timestamp is further than that from its clock. This only ever refuses: a
 * successful transaction's result and writes never depend on the local clock,
 * so endorsements that succeed still agree; honest peers refuse a backdated
 * proposal and it gathers no endorsements.
 */
export interface ClockPolicy {
  /** Largest accepted |proposal time - peer time| in ms; null accepts any (tests, replays). */
  maxSkewMs: number | null;
  /** The peer's clock. */
  local: () => number;
}

export const clockPolicy: ClockPolicy = { maxSkewMs: null, local: Date.now };

/** Set by the chaincode process at start (createChaincode); one policy per process, as one chaincode per process. */
export function setClockPolicy(policy: Partial<ClockPolicy>): void {
  if (policy.maxSkewMs !== undefined) {
    if (policy.maxSkewMs !== null && (!Number.isSafeInteger(policy.maxSkewMs) || policy.maxSkewMs < 0)) {
      throw new Error('maxSkewMs must be a non-negative integer of milliseconds, or null');
    }
    clockPolicy.maxSkewMs = policy.maxSkewMs;
  }
  if (policy.local) clockPolicy.local = policy.local;
}
