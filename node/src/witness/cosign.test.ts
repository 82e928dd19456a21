import { generateSm2KeyPair, verifyCosignature } from '@evidence/core';
import { describe, expect, it } from 'vitest';
import { GatewayLog, witnessIdentity } from '../../../test/witness/support.js';
import { cosign, type CosignDeps, type CosignOutcome } from './cosign.js';
import type { CosignRequest, Witnessed } from './types.js';

const W = witnessIdentity();
const NOW = 1_763_800_000_000;

function deps(log: GatewayLog, over: Partial<CosignDeps> = {}): CosignDeps {
  return { witness: W, registeredKey: log.key.publicKey, now: NOW, toleranceMs: 10_000, ...over };
}

function cosigned(outcome: CosignOutcome): Witnessed {
  if (outcome.kind !== 'cosigned') throw new Error(`expected a cosignature, got ${outcome.kind}: ${'error' in outcome ? outcome.error.message : ''}`);
  return outcome.witnessed;
}

function refusal(outcome: CosignOutcome): { code: string; size: number | undefined } {
  if (outcome.kind !== 'refused') throw new Error(`expected a refusal, got ${outcome.kind}`);
  return { code: outcome.error.code, size: outcome.error.size };
}

/** A log of `size` batches, cosigned once at that size. */
function started(size = 5): { log: GatewayLog; state: Witnessed } {
  const log = new GatewayLog('H330100001').append(size);
  return { log, state: cosigned(cosign(null, log.request({ ts: NOW }), deps(log))) };
}

describe('cosign: a new gateway and a growing log', () => {
  it("cosigns a gateway's first checkpoint with the witness's clock, and the cosignature verifies", () => {
    const log = new GatewayLog('H330100001').append(3);
    const request = log.request({ ts: NOW - 2_000 });
    const outcome = cosign(null, request, deps(log));
    expect(outcome).toMatchObject({ kind: 'cosigned', changed: true });
    const w = cosigned(outcome);
    expect(w.checkpoint).toEqual(request.checkpoint);
    expect(w.signature).toEqual(request.signature);
    expect(w.cosignature).toMatchObject({ witness: W.id, ts: NOW, publicKey: W.publicKey });
    expect(verifyCosignature(w.checkpoint, w.cosignature)).toBe(true);
    expect(verifyCosignature({ ...w.checkpoint, size: 4 }, w.cosignature)).toBe(false);
  });

  it('cosigns each extension proven consistent from the last cosigned size, at sizes powers of two and not', () => {
    const start = started(1);
    const log = start.log;
    let state = start.state;
    for (const grow of [1, 2, 4, 9, 1, 17]) {
      const from = log.size;
      log.append(grow);
      state = cosigned(cosign(state, log.request({ from, ts: NOW }), deps(log)));
      expect(state.checkpoint.size).toBe(from + grow);
      expect(verifyCosignature(state.checkpoint, state.cosignature)).toBe(true);
    }
  });

  it('answers the very checkpoint again with the stored cosignature, whatever `from` the sender believed', () => {
    const { log, state } = started();
    const again = cosign(state, { ...log.request({ checkpoint: state.checkpoint }), from: 0 }, deps(log, { now: NOW + 60_000 }));
    expect(again).toEqual({ kind: 'cosigned', witnessed: state, changed: false });
  });

  it('cosigns the same size and root signed again at another time as a new statement', () => {
    const { log, state } = started();
    const later = cosign(state, log.request({ from: log.size, ts: NOW + 5_000 }), deps(log, { now: NOW + 5_000 }));
    const w = cosigned(later);
    expect(later).toMatchObject({ changed: true });
    expect(w.checkpoint).toMatchObject({ size: state.checkpoint.size, root: state.checkpoint.root, ts: NOW + 5_000 });
    expect(w.cosignature.ts).toBe(NOW + 5_000);
  });

  it('stores only the fields the spec defines', () => {
    const log = new GatewayLog('H330100001').append(2);
    const request = log.request({ ts: NOW });
    const padded = { ...request, checkpoint: { ...request.checkpoint, note: 'x' }, signature: { ...request.signature, extra: 1 } } as unknown as CosignRequest;
    const w = cosigned(cosign(null, padded, deps(log)));
    expect(Object.keys(w.checkpoint).sort()).toEqual(['alg', 'gateway', 'root', 'size', 'ts']);
    expect(Object.keys(w.signature).sort()).toEqual(['alg', 'publicKey', 'value']);
  });
});

describe('cosign: forks', () => {
  it('a second root for a cosigned size is a fork, with both gateway-signed checkpoints as evidence', () => {
    const { log, state } = started(6);
    const other = log.rewritten(2);
    const request = other.request({ from: 6, ts: NOW });
    const outcome = cosign(state, request, deps(log, { now: NOW + 1 }));
    expect(outcome.kind).toBe('fork');
    if (outcome.kind !== 'fork') return;
    expect(outcome.error.code).toBe('WITNESS_FORK');
    expect(outcome.evidence).toEqual({
      gateway: log.id,
      first: { checkpoint: state.checkpoint, signature: state.signature },
      second: { checkpoint: request.checkpoint, signature: request.signature },
      detectedAt: NOW + 1,
      reason: 'root',
    });
  });

  it('a batch rewritten after it was cosigned: the next checkpoint fails its consistency proof and is a fork, with the proof kept', () => {
    const { log, state } = started(6);
    const other = log.rewritten(3).append(5);
    const request = other.request({ size: 11, from: 6, ts: NOW });
    const outcome = cosign(state, request, deps(log));
    expect(outcome.kind).toBe('fork');
    if (outcome.kind !== 'fork') return;
    expect(outcome.evidence).toMatchObject({ reason: 'consistency', proof: request.proof, second: { checkpoint: { size: 11 } } });
    // The honest extension of the same history still passes.
    log.append(5);
    expect(cosigned(cosign(state, log.request({ from: 6, ts: NOW }), deps(log))).checkpoint.size).toBe(11);
  });

  it('a rewrite anywhere is caught: every position of a 13-batch log, extended to 20', () => {
    const { log, state } = started(13);
    for (let i = 0; i < 13; i++) {
      const other = log.rewritten(i).append(7);
      expect(cosign(state, other.request({ size: 20, from: 13, ts: NOW }), deps(log)).kind).toBe('fork');
    }
  });

  it('the same log under another hash algorithm is a fork', () => {
    const { log, state } = started(4);
    const sm3 = new GatewayLog(log.code, log.key, 'sm3');
    sm3.leaves.push(...log.leaves);
    const outcome = cosign(state, sm3.request({ from: 4, ts: NOW }), deps(log));
    expect(outcome).toMatchObject({ kind: 'fork', evidence: { reason: 'alg' } });
  });

  it('a fork is a fork whatever the time it was signed: the clock is checked only before a new cosignature', () => {
    const { log, state } = started(6);
    const old = log.rewritten(0).request({ from: 6, ts: NOW - 86_400_000 });
    expect(cosign(state, old, deps(log)).kind).toBe('fork');
  });

  it('a forked checkpoint the gateway did not sign is no evidence: refused on its signature, no fork', () => {
    const { log, state } = started(6);
    const stranger = generateSm2KeyPair();
    const forged = log.rewritten(1).request({ from: 6, ts: NOW, signWith: stranger });
    expect(refusal(cosign(state, forged, deps(log)))).toEqual({ code: 'WITNESS_WRONG_KEY', size: undefined });
    const claimed = { ...forged, signature: { ...forged.signature, publicKey: log.key.publicKey } };
    expect(refusal(cosign(state, claimed, deps(log))).code).toBe('WITNESS_BAD_SIGNATURE');
  });
});

describe('cosign: refusals', () => {
  it('a replayed older checkpoint is stale, even when its time is also far off', () => {
    const log = new GatewayLog('H330100001').append(8);
    const old = log.request({ size: 5, ts: NOW - 3_600_000 });
    const state = cosigned(cosign(null, log.request({ ts: NOW }), deps(log)));
    expect(refusal(cosign(state, old, deps(log))).code).toBe('WITNESS_STALE');
  });

  it('a base other than the last cosigned size is WITNESS_WRONG_BASE naming that size (0 for none)', () => {
    const log = new GatewayLog('H330100001').append(9);
    expect(refusal(cosign(null, log.request({ from: 4, ts: NOW }), deps(log)))).toEqual({ code: 'WITNESS_WRONG_BASE', size: 0 });
    const state = cosigned(cosign(null, log.request({ size: 6, ts: NOW }), deps(log)));
    expect(refusal(cosign(state, log.request({ from: 4, ts: NOW }), deps(log)))).toEqual({ code: 'WITNESS_WRONG_BASE', size: 6 });
    expect(refusal(cosign(state, log.request({ from: 0, ts: NOW }), deps(log)))).toEqual({ code: 'WITNESS_WRONG_BASE', size: 6 });
    expect(cosigned(cosign(state, log.request({ from: 6, ts: NOW }), deps(log))).checkpoint.size).toBe(9);
  });

  it('a checkpoint time beyond the tolerance either way is clock skew; at the tolerance it passes', () => {
    const log = new GatewayLog('H330100001').append(3);
    expect(refusal(cosign(null, log.request({ ts: NOW + 10_001 }), deps(log))).code).toBe('WITNESS_CLOCK_SKEW');
    expect(refusal(cosign(null, log.request({ ts: NOW - 10_001 }), deps(log))).code).toBe('WITNESS_CLOCK_SKEW');
    expect(refusal(cosign(null, log.request({ ts: NOW + 2_000 }), deps(log, { toleranceMs: 1_000 }))).code).toBe('WITNESS_CLOCK_SKEW');
    expect(cosign(null, log.request({ ts: NOW - 10_000 }), deps(log)).kind).toBe('cosigned');
  });

  it('an unregistered gateway, a key other than the registered one, a tampered signature or checkpoint', () => {
    const log = new GatewayLog('H330100001').append(3);
    const request = log.request({ ts: NOW });
    expect(refusal(cosign(null, request, deps(log, { registeredKey: null }))).code).toBe('WITNESS_UNKNOWN_GATEWAY');
    expect(refusal(cosign(null, request, deps(log, { registeredKey: generateSm2KeyPair().publicKey }))).code).toBe('WITNESS_WRONG_KEY');
    const flipped = request.signature.value.slice(0, -1) + (request.signature.value.endsWith('0') ? '1' : '0');
    expect(refusal(cosign(null, { ...request, signature: { ...request.signature, value: flipped } }, deps(log))).code).toBe('WITNESS_BAD_SIGNATURE');
    for (const checkpoint of [
      { ...request.checkpoint, size: 4 },
      { ...request.checkpoint, ts: request.checkpoint.ts + 1 },
      { ...request.checkpoint, root: log.rewritten(0).checkpoint(3).root },
      { ...request.checkpoint, gateway: new GatewayLog('H330100002').id },
    ]) {
      expect(refusal(cosign(null, { ...request, checkpoint }, deps(log))).code).toBe('WITNESS_BAD_SIGNATURE');
    }
  });

  it('malformed requests are WITNESS_BAD_REQUEST: proof length, a proof where none belongs, from beyond size, bad hex, other algorithms', () => {
    const { log, state } = started(6);
    log.append(5);
    const good = log.request({ from: 6, ts: NOW });
    const cases: unknown[] = [
      { ...good, proof: good.proof.slice(1) },
      { ...good, proof: [...good.proof, good.proof[0]] },
      { ...good, from: 11, proof: good.proof },
      { ...log.request({ ts: NOW }), proof: good.proof },
      { ...good, from: 12 },
      { ...good, from: -1 },
      { ...good, from: 1.5 },
      { ...good, proof: good.proof.map((p) => p.toUpperCase()) },
      { ...good, proof: [...good.proof.slice(1), '0x' + good.proof[0]!.slice(2)] },
      { ...good, checkpoint: { ...good.checkpoint, root: good.checkpoint.root.toUpperCase() } },
      { ...good, checkpoint: { ...good.checkpoint, alg: 'sha256' } },
      { ...good, checkpoint: { ...good.checkpoint, size: 0 } },
      { ...good, checkpoint: { ...good.checkpoint, ts: -1 } },
      { ...good, signature: { ...good.signature, alg: 'ecdsa' } },
      { ...good, signature: { ...good.signature, publicKey: good.signature.publicKey.slice(2) } },
      { ...good, signature: { ...good.signature, value: good.signature.value + '00' } },
      { ...good, proof: 'not a list' },
      null,
    ];
    for (const request of cases) {
      expect(refusal(cosign(state, request as CosignRequest, deps(log))).code, JSON.stringify(request)?.slice(0, 200)).toBe('WITNESS_BAD_REQUEST');
    }
  });
});
