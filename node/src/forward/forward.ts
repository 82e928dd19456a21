import { HOP_TYPE, type Hop } from '@evidence/core';
import { RoutingError } from '../errors.js';
import { HttpClient, TransportError, type HttpAnswer } from '../http/client.js';
import type { HopCrypto } from './hop-crypto.js';
import type { SignaturePool } from '../verify/signature-pool.js';
import { appendFields, type HopSigner } from './hops.js';
import { errorBodyValidator, forwardResponseValidator, type ForwardRequest, type ForwardResponse } from './protocol.js';

/** A next hop: a neighbour node (POST /v1/forward) or an attached gateway (POST /v1/deliver). */
export interface ForwardTarget {
  id: string;
  url: string;
  kind: 'node' | 'gateway';
}

export interface ForwardAttempt {
  signer: HopSigner;
  client: HttpClient;
  /** The request as received, its chain already checked. */
  request: ForwardRequest;
  /** hopHash of the chain's last hop. */
  prevHash: string;
  /** Best first; the next is tried only when one cannot be reached. */
  targets: readonly ForwardTarget[];
  /** This node's hop, signed while the chain was being verified: used when it names the first target. */
  signed?: Hop;
  budgetMs: number;
  maxResponseBytes: number;
  crypto: HopCrypto;
  /** Where hops are signed when given (worker threads); inline otherwise. */
  pool?: SignaturePool;
  onUnreachable(target: ForwardTarget, reason: string): void;
  /** More checks of a successful answer (a sealed response's signature): why it is refused, or undefined. */
  checkAnswer?(answer: ForwardResponse, trace: readonly Hop[]): Promise<string | undefined>;
  /** This node's checks, added to a successful answer's `checks` on its way back. */
  checks?: { node: string; made: string[] };
}

export interface ForwardResult {
  status: number;
  /** The next hop's answer, passed back unchanged. */
  body: Buffer;
  /** The complete trace, on success. */
  trace?: Hop[];
}

/** Time left for the answer to travel back through this hop. */
const RETURN_MARGIN_MS = 50;

/**
 * Signs this node's forward hop towards the first target and sends the
 * request on. A target that cannot be reached (refused, reset) is reported
 * and the next one tried with a new hop naming it; a target that does not
 * answer in time is not retried, since it may still be working on it.
 */
export async function forwardThrough(a: ForwardAttempt): Promise<ForwardResult> {
  const started = Date.now();
  const hops = a.request.hops as Hop[];
  const last = hops[hops.length - 1]!;
  const failures: string[] = [];
  for (const target of a.targets) {
    const early = a.signed;
    const hop =
      early && early.next === target.id && early.prev === a.prevHash && early.index === hops.length
        ? early
        : await a.crypto.signOn(a.pool, appendFields(a.signer, hops, a.prevHash, HOP_TYPE.forward, target.id, last.digest), a.signer);
    const sent = [...hops, hop];
    for (let attempt = 0; attempt < 2; attempt++) {
      const left = Math.floor(a.budgetMs - (Date.now() - started));
      if (left <= RETURN_MARGIN_MS) throw new RoutingError('NEXT_HOP_TIMEOUT', 'the time budget of the request ran out');
      const body = JSON.stringify({
        destination: a.request.destination,
        ...(a.request.sealed ? { sealed: a.request.sealed } : { request: a.request.request }),
        hops: sent,
        timeoutMs: left - RETURN_MARGIN_MS,
      });
      let answer: HttpAnswer;
      try {
        answer = await a.client.post(target.url, body, { timeoutMs: left, maxResponseBytes: a.maxResponseBytes, peer: target.id });
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        if (e.kind === 'timeout') throw new RoutingError('NEXT_HOP_TIMEOUT', `next hop ${target.id} did not answer in ${left} ms`);
        if (e.kind === 'too-large') throw new RoutingError('NEXT_HOP_BAD_RESPONSE', e.message);
        // A reset may be a pooled connection the peer had just closed: one retry.
        if (e.kind === 'reset' && attempt === 0) continue;
        failures.push(`${target.id.slice(0, 16)}: ${e.message}`);
        a.onUnreachable(target, e.message);
        break;
      }
      const result = interpret(answer, sent, target);
      if (!result.parsed) return result;
      const problem = await a.checkAnswer?.(result.parsed, result.trace!);
      if (problem !== undefined) {
        throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `next hop ${target.id}: ${problem}`, { hop: sent.length, check: 'envelope', node: target.id });
      }
      if (!a.checks) return { status: result.status, body: result.body, trace: result.trace! };
      const withChecks: ForwardResponse = { ...result.parsed, checks: [...(result.parsed.checks ?? []), a.checks] };
      return { status: 200, body: Buffer.from(JSON.stringify(withChecks)), trace: result.trace! };
    }
  }
  throw new RoutingError('ROUTE_UNREACHABLE', `no next hop could be reached (${failures.join('; ') || 'no route'})`);
}

/** The next hop's answer is untrusted: it must be a trace extending exactly what was sent, or a coded refusal. */
function interpret(answer: HttpAnswer, sent: readonly Hop[], target: ForwardTarget): ForwardResult & { parsed?: ForwardResponse } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `next hop ${target.id} answered ${answer.status} with a body that is not JSON`);
  }
  if (answer.status === 200) {
    if (!forwardResponseValidator.Check(parsed)) {
      throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `next hop ${target.id} answered with something other than a response and its trace`);
    }
    const trace = parsed.hops as Hop[];
    const extends_ = trace.length >= sent.length + 2 && sent.every((h, i) => sameHop(h, trace[i]!));
    if (!extends_ || trace[trace.length - 1]!.type !== HOP_TYPE.response) {
      throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `the trace from ${target.id} does not extend the chain this node sent`, {
        hop: sent.length,
        check: 'prefix',
        node: target.id,
      });
    }
    if ((parsed.response === undefined) === (parsed.sealed === undefined)) {
      throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `next hop ${target.id} answered with neither or both of response and sealed`);
    }
    return { status: 200, body: answer.body, trace, parsed };
  }
  if (answer.status >= 400 && errorBodyValidator.Check(parsed)) return { status: answer.status, body: answer.body };
  throw new RoutingError('NEXT_HOP_BAD_RESPONSE', `next hop ${target.id} answered ${answer.status} without a coded error`);
}

function sameHop(a: Hop, b: Hop): boolean {
  return (
    a.signature === b.signature &&
    a.v === b.v &&
    a.type === b.type &&
    a.requestId === b.requestId &&
    a.index === b.index &&
    a.node === b.node &&
    a.next === b.next &&
    a.ts === b.ts &&
    a.digest === b.digest &&
    a.prev === b.prev
  );
}
