import {
  checkConsistency,
  consistencyRanges,
  cosignCheckpoint,
  encodeCheckpoint,
  fromHex,
  hashFor,
  sm2Verify,
  type Checkpoint,
  type CheckpointSignature,
} from '@evidence/core';
import { WitnessError } from './errors.js';
import type { CosignRequest, ForkEvidence, ForkReason, SignedCheckpoint, Witnessed, WitnessIdentity } from './types.js';

/** What `cosign` needs besides the request and the state, gathered by the service (witness.ts). */
export interface CosignDeps {
  witness: WitnessIdentity;
  /** The gateway's registered key for batch checkpoint.size - 1; null when not registered or inactive. */
  registeredKey: string | null;
  /** The witness's clock (ms). */
  now: number;
  /** Largest |checkpoint.ts - now| accepted (ms). */
  toleranceMs: number;
}

export type CosignOutcome =
  /** `changed`: a new cosignature to store before answering; false when the stored one is answered again. */
  | { kind: 'cosigned'; witnessed: Witnessed; changed: boolean }
  /** Refused; nothing is stored. */
  | { kind: 'refused'; error: WitnessError }
  /** Refused with WITNESS_FORK; `evidence` is stored. */
  | { kind: 'fork'; evidence: ForkEvidence; error: WitnessError };

const refused = (error: WitnessError): CosignOutcome => ({ kind: 'refused', error });

const HEX32 = /^[0-9a-f]{64}$/;
const PUBLIC_KEY = /^04[0-9a-f]{128}$/;
const SIGNATURE = /^[0-9a-f]{128}$/;
/** A consistency proof of a 64-bit log has at most 128 hashes. */
export const MAX_PROOF = 128;

/**
 * The witness's decision on one request, given the last checkpoint it cosigned
 * for that gateway (null: none) and the gateway's registered key. Pure apart
 * from the SM2 signature it makes; the caller stores what it returns.
 *
 * Order of checks, and why: the request's own shape first (no key lookup for
 * garbage); then the registered key and the gateway's signature, so that
 * nothing past this point (fork evidence above all) can be built from a
 * checkpoint the gateway did not sign: nobody can frame a gateway. Then the
 * comparison with the cosigned state (stale, fork, base, consistency), which
 * does not depend on the clock: two signed roots for one size are a fork
 * whenever they were signed. The clock is checked last, only before a new
 * cosignature is made.
 */
export function cosign(state: Witnessed | null, request: CosignRequest, deps: CosignDeps): CosignOutcome {
  let bytes: Uint8Array;
  let proof: Uint8Array[];
  try {
    ({ bytes, proof } = checkRequest(request));
  } catch (e) {
    return refused(e as WitnessError);
  }
  const cp = request.checkpoint;
  if (deps.registeredKey === null) {
    return refused(new WitnessError('WITNESS_UNKNOWN_GATEWAY', `网关 ${cp.gateway} 未登记或已停用 / gateway ${cp.gateway} is not registered or not active`));
  }
  if (request.signature.publicKey !== deps.registeredKey) {
    return refused(
      new WitnessError(
        'WITNESS_WRONG_KEY',
        `签名公钥不是网关为批次 ${cp.size - 1} 登记的公钥 / the signature's key is not the gateway's registered key for batch ${cp.size - 1}`,
      ),
    );
  }
  if (!sm2Verify(bytes, fromHex(request.signature.value, 64, 'signature.value'), deps.registeredKey)) {
    return refused(new WitnessError('WITNESS_BAD_SIGNATURE', '网关对检查点的 SM2 签名验证失败 / the gateway SM2 signature over the checkpoint does not verify'));
  }
  const signed = signedCopy(cp, request.signature);

  if (state) {
    const last = state.checkpoint;
    if (cp.size < last.size) {
      return refused(
        new WitnessError('WITNESS_STALE', `规模 ${cp.size} 小于已副签的 ${last.size}（重放的旧检查点）/ size ${cp.size} is below the cosigned ${last.size}: an old checkpoint replayed`),
      );
    }
    if (cp.alg !== last.alg) return fork(state, signed, 'alg', deps.now);
    if (cp.size === last.size) {
      if (cp.root !== last.root) return fork(state, signed, 'root', deps.now);
      // The very checkpoint already cosigned (a retry after a lost answer): the same cosignature again.
      if (cp.ts === last.ts) return { kind: 'cosigned', witnessed: state, changed: false };
      // Same size and root, signed again at another time: the history is the same, cosign the new statement.
    } else {
      if (request.from !== last.size) {
        return refused(
          new WitnessError('WITNESS_WRONG_BASE', `本见证节点上次副签的规模是 ${last.size}，不是 ${request.from} / this witness last cosigned size ${last.size}, not ${request.from}`, {
            size: last.size,
          }),
        );
      }
      let consistent: boolean;
      try {
        consistent = checkConsistency(hashFor(cp.alg), last.size, cp.size, fromHex(last.root, 32), fromHex(cp.root, 32), proof);
      } catch (e) {
        return refused(new WitnessError('WITNESS_BAD_REQUEST', `一致性证明格式错误 / malformed consistency proof: ${(e as Error).message}`));
      }
      if (!consistent) return fork(state, signed, 'consistency', deps.now, request.proof);
    }
  } else if (request.from !== 0) {
    return refused(
      new WitnessError('WITNESS_WRONG_BASE', `本见证节点尚未为该网关副签过 / this witness has cosigned nothing for this gateway, not size ${request.from}`, { size: 0 }),
    );
  }

  const skew = cp.ts - deps.now;
  if (Math.abs(skew) > deps.toleranceMs) {
    return refused(
      new WitnessError(
        'WITNESS_CLOCK_SKEW',
        `检查点时间与见证节点时钟相差 ${skew} ms，超过容差 ${deps.toleranceMs} ms / checkpoint ts is ${skew} ms from the witness clock, beyond the tolerance of ${deps.toleranceMs} ms`,
      ),
    );
  }
  const cosignature = cosignCheckpoint(signed.checkpoint, deps.witness, deps.now);
  return { kind: 'cosigned', witnessed: { ...signed, cosignature }, changed: true };
}

/**
 * What a schema cannot say about a request: the checkpoint encodes (lowercase
 * hex of exact lengths, size >= 1, integers within 2^53 - 1), `from` lies in
 * 0..size, and the proof has exactly the length RFC 9162 gives for from ->
 * size (none when from is 0 or equals the size). Length is checked here so a
 * truncated or padded proof is a malformed request, not fork evidence: only a
 * proof of the right shape that does not verify counts against the gateway.
 */
export function checkRequest(request: CosignRequest): { bytes: Uint8Array; proof: Uint8Array[] } {
  try {
    return checkShape(request);
  } catch (e) {
    if (e instanceof WitnessError) throw e;
    throw bad((e as Error).message);
  }
}

const bad = (what: string) => new WitnessError('WITNESS_BAD_REQUEST', `请求格式错误 / malformed request: ${what}`);

function checkShape(request: CosignRequest): { bytes: Uint8Array; proof: Uint8Array[] } {
  if (typeof request !== 'object' || request === null) throw bad('the body must be an object');
  const { checkpoint, signature, from, proof } = request;
  const bytes = encodeCheckpoint(checkpoint);
  if (typeof signature !== 'object' || signature === null || signature.alg !== 'sm2') throw bad('signature.alg must be "sm2"');
  if (typeof signature.publicKey !== 'string' || !PUBLIC_KEY.test(signature.publicKey)) throw bad('signature.publicKey must be 65 bytes of lowercase hex');
  if (typeof signature.value !== 'string' || !SIGNATURE.test(signature.value)) throw bad('signature.value must be 64 bytes of lowercase hex');
  if (!Number.isSafeInteger(from) || from < 0 || from > checkpoint.size) throw bad(`from must be an integer in 0..${checkpoint.size}`);
  if (!Array.isArray(proof) || proof.length > MAX_PROOF || !proof.every((p) => typeof p === 'string' && HEX32.test(p))) {
    throw bad(`proof must be at most ${MAX_PROOF} hashes of 32 bytes, lowercase hex`);
  }
  const expected = from === 0 || from === checkpoint.size ? 0 : consistencyRanges(from, checkpoint.size).length;
  if (proof.length !== expected) throw bad(`a consistency proof from ${from} to ${checkpoint.size} has ${expected} hashes, not ${proof.length}`);
  return { bytes, proof: proof.map((p) => fromHex(p, 32, 'proof')) };
}

/** Only the fields the spec defines, so nothing extra a sender added is ever stored or served. */
function signedCopy(cp: Checkpoint, signature: CheckpointSignature): SignedCheckpoint {
  return {
    checkpoint: { gateway: cp.gateway, alg: cp.alg, size: cp.size, root: cp.root, ts: cp.ts },
    signature: { alg: 'sm2', publicKey: signature.publicKey, value: signature.value },
  };
}

const FORK_TEXT: Record<ForkReason, (a: Checkpoint, b: Checkpoint) => string> = {
  root: (a, b) => `网关对同一规模 ${a.size} 签署了两个不同的根 / the gateway signed two roots for size ${b.size}`,
  alg: (a, b) => `网关以两种哈希算法（${a.alg}、${b.alg}）签署检查点 / the gateway signed checkpoints under two hash algorithms (${a.alg}, ${b.alg})`,
  consistency: (a, b) =>
    `规模 ${b.size} 的检查点与已副签的规模 ${a.size} 不一致（一致性证明不成立）/ the checkpoint of size ${b.size} is not consistent with the cosigned size ${a.size}: the consistency proof does not verify`,
};

export function forkMessage(reason: ForkReason, first: Checkpoint, second: Checkpoint): string {
  return FORK_TEXT[reason](first, second);
}

function fork(state: Witnessed, second: SignedCheckpoint, reason: ForkReason, now: number, proof?: string[]): CosignOutcome {
  const first: SignedCheckpoint = { checkpoint: state.checkpoint, signature: state.signature };
  const evidence: ForkEvidence = { gateway: second.checkpoint.gateway, first, second, detectedAt: now, reason };
  if (proof) evidence.proof = [...proof];
  const message = `${forkMessage(reason, first.checkpoint, second.checkpoint)}；证据已保存 / evidence kept`;
  return { kind: 'fork', evidence, error: new WitnessError('WITNESS_FORK', message) };
}
