import { equalBytes, fromHex, toHex, ZERO32 } from '../encoding/bytes.js';
import { sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';
import { sm3 } from '../hash/sm3.js';
import { encodeHop, HOP_TYPE, requestDigest, responseDigest, type Hop } from './hop.js';

/** The check that failed, named in messages as "hop N: <check>". Stable strings. */
export type TraceCheck =
  | 'malformed'
  | 'request id'
  | 'index'
  | 'prev link'
  | 'type order'
  | 'node link'
  | 'next'
  | 'unknown node'
  | 'signature'
  | 'responder'
  | 'digest'
  | 'incomplete';

export interface TraceNode {
  /** 32-byte id, hex. */
  id: string;
  /** 65-byte SM2 public key, hex. */
  publicKey: string;
  code?: string;
}

export type TraceResult =
  | { valid: true; hopHashes: string[] }
  | { valid: false; hop: number; check: TraceCheck; message: string };

export interface TraceOptions {
  /**
   * A complete trace ends origin, forward*, deliver, response. A routing node
   * checks the chain so far (origin, forward*) with complete: false.
   */
  complete?: boolean;
  /** When given, hop digests are recomputed from the request and response. */
  request?: { method: string; path: string; body?: unknown };
  response?: { status: number; body?: unknown };
}

/**
 * Resolves a node id to its registered key. Keys come from the on-chain
 * registry or the operator's signed directory, never from the trace itself,
 * since the trace is what an attacker forged.
 */
export type KeyLookup = (nodeId: string) => string | Sm2PreparedKey | undefined;

export function keyLookupFrom(nodes: readonly TraceNode[]): KeyLookup {
  const byId = new Map(nodes.map((n) => [n.id, n.publicKey]));
  return (id) => byId.get(id);
}

/** One hop signature to check: the hop bytes, its r || s and the registered key of its signer. */
export interface HopSignatureCheck {
  hop: number;
  message: Uint8Array;
  signature: Uint8Array;
  key: string | Sm2PreparedKey;
}

/**
 * A trace checked for everything but its signatures: the verdict it gets if
 * every signature in `signatures` verifies. The signatures listed are exactly
 * those the sequential check reaches before that verdict (all of them for a
 * valid trace; those before the first failing hop otherwise, and that hop's
 * own when its failure, the digest, is checked after its signature).
 */
export interface TraceStructure {
  verdict: TraceResult;
  signatures: HopSignatureCheck[];
}

/**
 * Verifies a hop trace (spec section 7). Hops are checked in order and, within a
 * hop, index, prev link, type order, node link, next, signer and signature in
 * that order; the first failure is reported as "hop N: <check>".
 */
export function verifyTrace(hops: readonly Hop[], keys: KeyLookup, options: TraceOptions = {}): TraceResult {
  const structure = traceStructure(hops, keys, options);
  for (const c of structure.signatures) {
    if (!sm2Verify(c.message, c.signature, c.key)) return signatureFailure(c.hop);
  }
  return structure.verdict;
}

/**
 * The same verdict as verifyTrace, with the signatures checked by `verifyAll`
 * (e.g. on worker threads, all at once): the lowest hop whose signature fails
 * is reported, exactly as the sequential check would. Cheap checks come first,
 * so a trace failing them at hop N costs only the signatures before N.
 */
export async function verifyTraceWith(
  hops: readonly Hop[],
  keys: KeyLookup,
  options: TraceOptions,
  verifyAll: (checks: readonly HopSignatureCheck[]) => Promise<readonly boolean[]>,
): Promise<TraceResult> {
  const structure = traceStructure(hops, keys, options);
  if (structure.signatures.length === 0) return structure.verdict;
  const valid = await verifyAll(structure.signatures);
  const bad = structure.signatures.findIndex((_, i) => valid[i] !== true);
  return bad >= 0 ? signatureFailure(structure.signatures[bad]!.hop) : structure.verdict;
}

function signatureFailure(hop: number): TraceResult {
  return { valid: false, hop, check: 'signature', message: `hop ${hop}: signature` };
}

/** Every check of verifyTrace but the signatures, which are listed for the caller to check. */
export function traceStructure(hops: readonly Hop[], keys: KeyLookup, options: TraceOptions = {}): TraceStructure {
  const complete = options.complete ?? true;
  const hashes: string[] = [];
  const signatures: HopSignatureCheck[] = [];
  let prevHash: Uint8Array = ZERO32;
  let deliverNode: string | undefined;
  const reqDigest = options.request
    ? toHex(requestDigest(options.request.method, options.request.path, options.request.body))
    : undefined;
  const resDigest =
    options.request && options.response
      ? toHex(responseDigest(options.response.status, options.request.path, options.response.body))
      : undefined;

  const fail = (hop: number, check: TraceCheck, detail?: string): TraceStructure => ({
    verdict: { valid: false, hop, check, message: `hop ${hop}: ${check}${detail ? ` (${detail})` : ''}` },
    signatures,
  });

  if (!Array.isArray(hops) || hops.length === 0) return fail(0, 'incomplete', 'the trace has no hops');

  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]!;
    const previous = i > 0 ? hops[i - 1]! : undefined;
    let bytes: Uint8Array;
    let hash: Uint8Array;
    let signature: Uint8Array;
    try {
      bytes = encodeHop(hop);
      signature = fromHex(hop.signature, 64, 'hop.signature');
      hash = sm3(bytes, signature);
    } catch (e) {
      return fail(i, 'malformed', (e as Error).message);
    }
    if (previous && hop.requestId !== previous.requestId) return fail(i, 'request id');
    if (hop.index !== i) return fail(i, 'index', `expected ${i}, found ${hop.index}`);
    if (!equalBytes(fromHex(hop.prev, 32), prevHash)) return fail(i, 'prev link');
    if (!typeFollows(previous?.type, hop.type)) return fail(i, 'type order', `type ${hop.type} after ${previous?.type ?? 'start'}`);
    if (previous && hop.type !== HOP_TYPE.response && hop.node !== previous.next) return fail(i, 'node link');
    const terminal = hop.type === HOP_TYPE.deliver || hop.type === HOP_TYPE.response;
    if (terminal !== (hop.next === ZERO_HEX)) return fail(i, 'next');
    if (hop.type === HOP_TYPE.response && hop.node !== deliverNode) return fail(i, 'responder');
    const key = keys(hop.node);
    if (key === undefined) return fail(i, 'unknown node', hop.node);
    signatures.push({ hop: i, message: bytes, signature, key });
    const expectedDigest = hop.type === HOP_TYPE.response ? resDigest : reqDigest;
    if (expectedDigest !== undefined && hop.digest !== expectedDigest) return fail(i, 'digest');
    if (hop.type === HOP_TYPE.deliver) deliverNode = hop.node;
    prevHash = hash;
    hashes.push(toHex(hash));
  }

  const last = hops[hops.length - 1]!;
  if (complete && last.type !== HOP_TYPE.response) {
    return fail(hops.length - 1, 'incomplete', 'a complete trace ends with a response hop');
  }
  return { verdict: { valid: true, hopHashes: hashes }, signatures };
}

const ZERO_HEX = toHex(ZERO32);

/** origin, forward*, deliver, response: what may follow the previous hop type. */
function typeFollows(previous: number | undefined, type: number): boolean {
  switch (previous) {
    case undefined:
      return type === HOP_TYPE.origin;
    case HOP_TYPE.origin:
    case HOP_TYPE.forward:
      return type === HOP_TYPE.forward || type === HOP_TYPE.deliver;
    case HOP_TYPE.deliver:
      return type === HOP_TYPE.response;
    default:
      return false;
  }
}
