import type { Checkpoint, CheckpointSignature, Cosignature } from '@evidence/core';

/**
 * The body of POST /v1/witness/cosign, after it passed the schema. Everything
 * in it comes from whoever sent it: usually the gateway, but anyone who holds
 * a checkpoint the gateway signed (they are public, inside every proof bundle)
 * can send it too, with any `from` and any proof.
 */
export interface CosignRequest {
  checkpoint: Checkpoint;
  /** The gateway's SM2 signature over checkpointBytes; `publicKey` is only a claim until matched with the registry. */
  signature: CheckpointSignature;
  /** The size of the last checkpoint of this gateway this witness cosigned, as the sender believes (0: none). */
  from: number;
  /** RFC 9162 consistency proof from `from` to `checkpoint.size`, hex; empty when from is 0 or equals the size. */
  proof: string[];
}

/** A checkpoint with the gateway's signature: what fork evidence is made of. */
export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  signature: CheckpointSignature;
}

/** The last checkpoint this witness cosigned for one gateway (its state for that gateway). */
export interface Witnessed extends SignedCheckpoint {
  cosignature: Cosignature;
}

/**
 * Why two gateway-signed checkpoints are fork evidence:
 * - `root`: the same size with two roots. Conclusive by itself.
 * - `alg`: the same log under two hash algorithms (a gateway that changes
 *   algorithm must take a new identity, spec section 9). Conclusive by itself.
 * - `consistency`: a larger size whose consistency proof from the cosigned one
 *   did not verify (the proof is kept). Conclusive once the gateway cannot
 *   produce a proof between the two sizes that verifies: whoever sent the
 *   request chose the proof, and a gateway that did not fork can always show one.
 */
export type ForkReason = 'root' | 'alg' | 'consistency';

export interface ForkEvidence {
  gateway: string;
  /** The checkpoint this witness had cosigned. */
  first: SignedCheckpoint;
  /** The gateway-signed checkpoint that contradicts it. */
  second: SignedCheckpoint;
  /** The witness's clock when it found the pair (ms). */
  detectedAt: number;
  reason: ForkReason;
  /** For `consistency`: the proof that was offered, from `first.checkpoint.size` to `second.checkpoint.size`. */
  proof?: string[];
}

/** The witness's own registered identity: a 32-byte id and its SM2 key pair. */
export interface WitnessIdentity {
  readonly id: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

/**
 * The registered SM2 key (hex, 65 bytes) of `gateway` for batch `seq`, or null
 * when the gateway is not registered or not active. Throws when the registry
 * cannot be read: an outage must not look like an unknown gateway.
 */
export type GatewayKeys = (gateway: string, seq: number) => Promise<string | null>;
