import { entityId, HOP_TYPE, requestDigest, toHex, uuidv7, type Hop } from '@evidence/core';
import {
  errorBody,
  errorBodyValidator,
  forwardResponseValidator,
  originFields,
  RoutingError,
  traceDocument,
  TransportError,
  type ErrorBody,
  type ForwardedRequest,
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
  | { ok: true; requestId: string; status: number; body?: unknown; trace: TraceDocument; evidence: string }
  | { ok: false; requestId: string; status: number; error: ErrorBody };

/**
 * The origin side of a remote call: signs hop 0 towards this gateway's
 * routing node, sends the request into the network and checks what comes
 * back: a complete trace that verifies against the registered keys, starts
 * with our own hop, matches the request and the response received, and was
 * delivered by the institution called. Only then is the trace recorded as
 * hop-trace evidence and the response handed to the caller.
 */
export async function callRemote(ctx: RemoteContext, call: RemoteCall): Promise<RemoteOutcome> {
  const requestId = toHex(uuidv7());
  const digest = toHex(requestDigest(call.request.method, call.request.path, call.request.body));
  const hop0 = await ctx.crypto.signOn(ctx.pool, originFields(ctx.signer, requestId, ctx.settings.node.id, digest), ctx.signer);
  const { limits, node } = ctx.settings;
  const message = {
    destination: { institution: call.institution, service: call.service },
    request: call.request,
    hops: [hop0],
    timeoutMs: limits.timeoutMs,
  };

  let answer;
  try {
    answer = await ctx.client.post(`${node.url}/v1/forward`, JSON.stringify(message), {
      timeoutMs: limits.timeoutMs + 50,
      maxResponseBytes: limits.bodyBytes + 64 * 1024,
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
  const response = parsed.response;
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
  if (response.body !== undefined) outcome.body = response.body;
  return outcome;
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
