import { entityId, envelope as env, HOP_TYPE, requestDigest, sm2Sign, toHex, utf8, uuidv7, type Hop } from '@evidence/core';
import {
  errorBody,
  errorBodyValidator,
  forwardResponseValidator,
  originFields,
  responseContext,
  responseValidator,
  RoutingError,
  sealedResponseProblem,
  splitSealed,
  traceDocument,
  TransportError,
  withSignature,
  type ErrorBody,
  type ForwardedRequest,
  type ForwardResponse,
  type Sealed,
  type TraceDocument,
} from '@evidence/node';
import type { RemoteContext } from './context.js';
import { hopTraceEvidence, NO_SUBJECT } from './evidence.js';

export interface RemoteCall {
  institution: string;
  service: string;
  request: ForwardedRequest;
  /** The patient concerned, when the calling system names one (internal header, never forwarded). */
  subjectId?: string;
}

export type RemoteOutcome =
  | { ok: true; requestId: string; status: number; body?: unknown; trace: TraceDocument; evidence: string; checks?: ForwardResponse['checks'] }
  | { ok: false; requestId: string; status: number; error: ErrorBody };

/**
 * The origin side of a remote call: signs hop 0 towards this gateway's
 * routing node, sends the request into the network and checks what comes
 * back: a complete trace that verifies against the registered keys, starts
 * with our own hop, matches the request and the response received, and was
 * delivered by the institution called. Only then is the trace recorded as
 * hop-trace evidence and the response handed to the caller. The request
 * travels sealed to the destination's registered key (unless this gateway is
 * configured without envelopes, for development), and the response must come
 * back sealed under the same request's key, signed by the deliverer.
 */
export async function callRemote(ctx: RemoteContext, call: RemoteCall): Promise<RemoteOutcome> {
  const requestId = toHex(uuidv7());
  const digest = toHex(requestDigest(call.request.method, call.request.path, call.request.body));
  const destination = { institution: call.institution, service: call.service };
  let seal: { sealed: Sealed; contentKey: Uint8Array } | undefined;
  if (ctx.settings.seal) {
    const recipient = await ctx.keyRing.publicKey(toHex(entityId(call.institution)));
    if (recipient === undefined) return refused(requestId, new RoutingError('ROUTE_UNKNOWN_INSTITUTION', `no registered key for institution ${call.institution} to seal the request to`), ctx.signer.id);
    const ectx: env.EnvelopeContext = { direction: 'request', ...destination, requestId, origin: ctx.signer.id, digest };
    const { envelope, contentKey } = env.sealRequest(utf8(JSON.stringify(call.request)), recipient, ectx);
    const sig = toHex(ctx.pool && ctx.pool.size > 0 ? await ctx.pool.sign(env.envelopeSigningBytes(envelope, ectx), ctx.signer.privateKey) : sm2Sign(env.envelopeSigningBytes(envelope, ectx), ctx.signer.privateKey));
    seal = { sealed: withSignature(envelope, sig), contentKey };
  }
  const hop0 = await ctx.crypto.signOn(ctx.pool, originFields(ctx.signer, requestId, ctx.settings.node.id, digest), ctx.signer);
  const { limits, node } = ctx.settings;
  const message = {
    destination,
    ...(seal ? { sealed: seal.sealed } : { request: call.request }),
    hops: [hop0],
    timeoutMs: limits.timeoutMs,
  };

  let answer;
  try {
    answer = await ctx.client.post(`${node.url}/v1/forward`, JSON.stringify(message), {
      timeoutMs: limits.timeoutMs + 50,
      maxResponseBytes: limits.bodyBytes + 64 * 1024,
      peer: node.id,
    });
  } catch (e) {
    if (!(e instanceof TransportError)) throw e;
    const code = e.kind === 'timeout' ? 'NEXT_HOP_TIMEOUT' : 'ROUTE_UNREACHABLE';
    return refused(requestId, new RoutingError(code, `routing node: ${e.message}`), ctx.signer.id);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return refused(requestId, new RoutingError('NEXT_HOP_BAD_RESPONSE', 'the routing node answered with a body that is not JSON'), ctx.signer.id);
  }
  if (answer.status !== 200) {
    if (answer.status >= 400 && errorBodyValidator.Check(parsed)) return { ok: false, requestId, status: answer.status, error: parsed };
    return refused(requestId, new RoutingError('NEXT_HOP_BAD_RESPONSE', `the routing node answered ${answer.status} without a coded error`), ctx.signer.id);
  }
  if (!forwardResponseValidator.Check(parsed)) {
    return refused(requestId, new RoutingError('NEXT_HOP_BAD_RESPONSE', 'the routing node answered with something other than a response and its trace'), ctx.signer.id);
  }

  const hops = parsed.hops as Hop[];
  const opened = await openAnswer(ctx, parsed, hops, hop0, destination, seal?.contentKey);
  if (opened instanceof RoutingError) return refused(requestId, opened, ctx.signer.id);
  const response = opened;
  const problem = await checkReturnedTrace(ctx, hops, hop0, call, response);
  if (problem) return refused(requestId, problem, ctx.signer.id);

  const [recorded] = await ctx.record([
    hopTraceEvidence(
      {
        requestId,
        role: 'origin',
        caller: ctx.code,
        destination: message.destination,
        request: call.request,
        requestDigest: digest,
        status: response.status,
        responseDigest: hops[hops.length - 1]!.digest,
        hops,
      },
      call.subjectId !== undefined ? { idNumber: call.subjectId } : NO_SUBJECT,
    ),
  ]);
  ctx.traces.put(requestId, hops);
  const outcome: RemoteOutcome = {
    ok: true,
    requestId,
    status: response.status,
    trace: await traceDocument({ hops }, ctx.keyRing, ctx.codes),
    evidence: recorded!.id,
  };
  if (parsed.checks) outcome.checks = parsed.checks;
  if (response.body !== undefined) outcome.body = response.body;
  return outcome;
}

/**
 * The response in clear: opened from its envelope (signed by the deliver
 * hop's signer, under this request's key and the response hop's digest), or
 * as it came when this gateway sends requests in clear. A RoutingError says
 * why it cannot be accepted.
 */
async function openAnswer(
  ctx: RemoteContext,
  parsed: ForwardResponse,
  hops: Hop[],
  hop0: Hop,
  destination: { institution: string; service: string },
  contentKey: Uint8Array | undefined,
): Promise<{ status: number; body?: unknown } | RoutingError> {
  if (contentKey === undefined) {
    return parsed.response ?? new RoutingError('ENVELOPE_REQUIRED', 'the answer to a request in clear came sealed');
  }
  if (!parsed.sealed || parsed.response) return new RoutingError('ENVELOPE_REQUIRED', 'the answer to a sealed request came in clear');
  if (hops[0]?.signature !== hop0.signature) {
    return new RoutingError('REMOTE_BAD_TRACE', "hop 0: the returned trace does not start with this gateway's origin hop", { hop: 0, check: 'origin' });
  }
  const keys = await ctx.keyRing.lookupFor(hops.map((h) => h.node));
  const problem = await sealedResponseProblem(parsed.sealed, destination, hops, keys);
  const at = { hop: hops.length - 1, check: 'envelope', node: hops[hops.length - 2]?.node };
  if (problem !== undefined) return new RoutingError('ENVELOPE_MISMATCH', `hop ${hops.length - 1}: envelope (${problem})`, at);
  let text: string;
  try {
    text = Buffer.from(env.openResponse(splitSealed(parsed.sealed).envelope, contentKey, responseContext(destination, hops))).toString('utf8');
  } catch (e) {
    return new RoutingError('ENVELOPE_UNREADABLE', `hop ${hops.length - 1}: envelope (signed by the deliverer but it does not open: ${(e as { code?: string }).code ?? 'malformed'})`, at);
  }
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    response = undefined;
  }
  if (!responseValidator.Check(response)) return new RoutingError('ENVELOPE_UNREADABLE', `hop ${hops.length - 1}: envelope (it does not hold a response { status, body })`, at);
  return response;
}

/** Undefined when the returned trace is exactly what this gateway must accept; otherwise why not. */
async function checkReturnedTrace(
  ctx: RemoteContext,
  hops: Hop[],
  hop0: Hop,
  call: RemoteCall,
  response: { status: number; body?: unknown },
): Promise<RoutingError | undefined> {
  const first = hops[0]!;
  if (first.signature !== hop0.signature || first.digest !== hop0.digest || first.requestId !== hop0.requestId) {
    return new RoutingError('REMOTE_BAD_TRACE', 'hop 0: the returned trace does not start with this gateway\'s origin hop', { hop: 0, check: 'origin' });
  }
  const keys = await ctx.keyRing.lookupFor(hops.map((h) => h.node));
  const result = await ctx.crypto.verifyOn(ctx.pool, hops, keys, { complete: true, request: call.request, response });
  if (!result.valid) {
    return new RoutingError('REMOTE_BAD_TRACE', result.message, { hop: result.hop, check: result.check, node: hops[result.hop]?.node });
  }
  const deliver = hops[hops.length - 2]!;
  if (deliver.type !== HOP_TYPE.deliver || deliver.node !== toHex(entityId(call.institution))) {
    return new RoutingError('REMOTE_BAD_TRACE', `hop ${hops.length - 2}: responder (delivered by someone other than ${call.institution})`, {
      hop: hops.length - 2,
      check: 'responder',
      node: deliver.node,
    });
  }
  return undefined;
}

function refused(requestId: string, e: RoutingError, by: string): RemoteOutcome {
  return { ok: false, requestId, status: e.status, error: errorBody(e, by) };
}
