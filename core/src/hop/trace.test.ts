import { describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';
import { toHex, ZERO32 } from '../encoding/bytes.js';
import { entityId } from '../ids.js';
import { generateSm2KeyPair, sm2Sign } from '../sm2/sm2.js';
import { encodeHop, HOP_TYPE, hopHash, requestDigest, responseDigest, signHop, signHopWith, type Hop } from './hop.js';
import { sm2Verify } from '../sm2/sm2.js';
import { keyLookupFrom, traceStructure, verifyTrace, verifyTraceWith, type HopSignatureCheck, type TraceNode } from './trace.js';

/** A fresh four-party network whose keys this test holds, so it can forge like a malicious node. */
function network() {
  const codes = ['H330100001', 'RN-HZ-01', 'RN-ZJ-00', 'H330100002'];
  const parties = codes.map((code) => ({ code, id: toHex(entityId(code)), ...generateSm2KeyPair() }));
  const nodes: TraceNode[] = parties.map(({ code, id, publicKey }) => ({ code, id, publicKey }));
  const request = { method: 'POST', path: '/services/emr/query?scope=Observation', body: { patient: 'ab'.repeat(32) } };
  const response = { status: 200, body: { entries: 3 } };
  const reqDigest = toHex(requestDigest(request.method, request.path, request.body));
  const resDigest = toHex(responseDigest(response.status, request.path, response.body));
  const requestId = '0190f0a0b0c07000800000000000abcd';
  const hops: Hop[] = [];
  const append = (signer: number, type: number, next: string, digest = reqDigest) => {
    const prev = hops.length === 0 ? toHex(ZERO32) : toHex(hopHash(hops[hops.length - 1]!));
    const p = parties[signer]!;
    hops.push(
      signHop(
        { v: 1, type, requestId, index: hops.length, node: p.id, next, ts: 1_763_800_200_000 + hops.length, digest, prev },
        p.privateKey,
        p.publicKey,
      ),
    );
  };
  const zero = toHex(ZERO32);
  append(0, HOP_TYPE.origin, parties[1]!.id);
  append(1, HOP_TYPE.forward, parties[2]!.id);
  append(2, HOP_TYPE.forward, parties[3]!.id);
  append(3, HOP_TYPE.deliver, zero);
  append(3, HOP_TYPE.response, zero, resDigest);
  return { parties, nodes, hops, request, response, keys: keyLookupFrom(nodes) };
}

describe('verifyTrace', () => {
  it('accepts an honest trace, with and without digest checks, and a partial one in flight', () => {
    const n = network();
    expect(verifyTrace(n.hops, n.keys, { request: n.request, response: n.response }).valid).toBe(true);
    expect(verifyTrace(n.hops, n.keys).valid).toBe(true);
    expect(verifyTrace(n.hops.slice(0, 3), n.keys, { complete: false, request: n.request }).valid).toBe(true);
    expect(verifyTrace(n.hops.slice(0, 3), n.keys)).toMatchObject({ valid: false, check: 'incomplete' });
  });

  const cases: [string, (n: ReturnType<typeof network>) => Hop[], string][] = [
    ['a node altered the body', (n) => {
      // RN-ZJ-00 re-signs its hop over another digest; the chain links but the digest differs.
      const hops = n.hops.slice(0, 2);
      const p = n.parties[2]!;
      const forged = signHop({ ...n.hops[2]!, digest: toHex(requestDigest('POST', n.request.path, { patient: 'cd'.repeat(32) })) }, p.privateKey);
      return [...hops, forged];
    }, 'hop 2: digest'],
    ['a hop dropped', (n) => [n.hops[0]!, { ...n.hops[2]!, index: 1 }], 'hop 1: prev link'],
    ['hops reordered', (n) => [n.hops[0]!, n.hops[2]!, n.hops[1]!], 'hop 1: index'],
    ['a node signs as another node', (n) => {
      const impostor = n.parties[1]!;
      return [n.hops[0]!, n.hops[1]!, signHop({ ...n.hops[2]! }, impostor.privateKey)];
    }, 'hop 2: signature'],
    ['a node not in the directory', (n) => {
      const stranger = { id: 'ee'.repeat(32), ...generateSm2KeyPair() };
      const origin = signHop({ ...n.hops[0]!, next: stranger.id }, n.parties[0]!.privateKey);
      const fwd = signHop({ ...n.hops[1]!, node: stranger.id, prev: toHex(hopHash(origin)) }, stranger.privateKey);
      return [origin, fwd];
    }, 'hop 1: unknown node'],
    ['a hop handed to one node but signed by another', (n) => {
      const origin = signHop({ ...n.hops[0]!, next: n.parties[2]!.id }, n.parties[0]!.privateKey);
      return [origin, { ...n.hops[1]!, prev: toHex(hopHash(origin)) }];
    }, 'hop 1: node link'],
    ['a response signed by someone other than the deliverer', (n) => {
      const p = n.parties[2]!;
      return [...n.hops.slice(0, 4), signHop({ ...n.hops[4]!, node: p.id }, p.privateKey)];
    }, 'hop 4: responder'],
    ['a forward with a zero next', (n) => [n.hops[0]!, signHop({ ...n.hops[1]!, next: toHex(ZERO32) }, n.parties[1]!.privateKey)], 'hop 1: next'],
    ['a trace that starts with a forward', (n) => [signHop({ ...n.hops[0]!, type: HOP_TYPE.forward }, n.parties[0]!.privateKey)], 'hop 0: type order'],
    ['another request id mid-trace', (n) => [n.hops[0]!, { ...n.hops[1]!, requestId: 'ff'.repeat(16) }], 'hop 1: request id'],
    ['a malformed hop', (n) => [n.hops[0]!, { ...n.hops[1]!, signature: 'xx' }], 'hop 1: malformed'],
    ['an empty trace', () => [], 'hop 0: incomplete'],
  ];

  it.each(cases)('detects %s (%s)', (_name, tamper, expected) => {
    const n = network();
    const result = verifyTrace(tamper(n), n.keys, { complete: false, request: n.request, response: n.response });
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.message.startsWith(expected)).toBe(true);
  });

  it('the vector trace verifies with the vector keys only', () => {
    const { trace } = vectors;
    expect(verifyTrace(trace.hops, keyLookupFrom(trace.nodes)).valid).toBe(true);
    const swapped = trace.nodes.map((n, i) => ({ ...n, publicKey: trace.nodes[(i + 1) % trace.nodes.length]!.publicKey }));
    expect(verifyTrace(trace.hops, keyLookupFrom(swapped))).toMatchObject({ valid: false, check: 'signature', hop: 0 });
  });

  describe('verifyTraceWith (signatures checked together, e.g. on worker threads)', () => {
    const all = async (checks: readonly HopSignatureCheck[]) => checks.map((c) => sm2Verify(c.message, c.signature, c.key));

    it.each(cases)('gives the same verdict as verifyTrace when %s', async (_name, tamper) => {
      const n = network();
      const hops = tamper(n);
      const options = { complete: false, request: n.request, response: n.response };
      expect(await verifyTraceWith(hops, n.keys, options, all)).toEqual(verifyTrace(hops, n.keys, options));
    });

    it('reports the lowest bad signature even when a later hop fails a cheap check', async () => {
      const n = network();
      // Hop 1 signed by the wrong key and hop 3 out of order: the sequential check stops at hop 1.
      const hops = [n.hops[0]!, signHop({ ...n.hops[1]! }, n.parties[3]!.privateKey), n.hops[2]!, { ...n.hops[3]!, index: 9 }];
      expect(verifyTrace(hops, n.keys, { complete: false })).toMatchObject({ hop: 1, check: 'signature' });
      expect(await verifyTraceWith(hops, n.keys, { complete: false }, all)).toMatchObject({ hop: 1, check: 'signature' });
    });

    it('asks for no signature of a trace failing its first hop, and for every one of an honest trace', async () => {
      const n = network();
      expect(traceStructure([{ ...n.hops[0]!, index: 1 }], n.keys).signatures).toHaveLength(0);
      expect(traceStructure(n.hops, n.keys).signatures.map((c) => c.hop)).toEqual([0, 1, 2, 3, 4]);
      // A digest failure is found after its hop's signature: that signature is checked first.
      expect(traceStructure(n.hops, n.keys, { request: { ...n.request, path: '/other' } }).signatures.map((c) => c.hop)).toEqual([0]);
      let asked = 0;
      const counting = async (checks: readonly HopSignatureCheck[]) => ((asked += checks.length), all(checks));
      expect(await verifyTraceWith([{ ...n.hops[0]!, prev: 'ab'.repeat(32) }], n.keys, {}, counting)).toMatchObject({ check: 'prev link' });
      expect(asked).toBe(0);
    });

    it('signHopWith signs the same hop bytes as signHop, with the signature made elsewhere', async () => {
      const n = network();
      const p = n.parties[1]!;
      const { signature: _, ...fields } = n.hops[1]!;
      let signed: Uint8Array | undefined;
      const hop = await signHopWith(fields, async (bytes) => ((signed = bytes), sm2Sign(bytes, p.privateKey, p.publicKey)));
      expect(signed).toEqual(encodeHop(fields));
      expect(verifyTrace([n.hops[0]!, hop], n.keys, { complete: false })).toMatchObject({ valid: true });
      // A signature from the wrong key (a worker handed another device's secret) does not pass.
      const wrong = await signHopWith(fields, async (bytes) => sm2Sign(bytes, n.parties[2]!.privateKey));
      expect(verifyTrace([n.hops[0]!, wrong], n.keys, { complete: false })).toMatchObject({ valid: false, hop: 1, check: 'signature' });
    });

    it('treats a missing answer as a bad signature', async () => {
      const n = network();
      expect(await verifyTraceWith(n.hops, n.keys, {}, async () => [true, true])).toMatchObject({ hop: 2, check: 'signature' });
    });
  });
});
