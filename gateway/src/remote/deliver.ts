import { HOP_TYPE, hopHash, responseDigest, toHex, type Hop } from '@evidence/core';
import { appendFields, checkChainOn, errorBody, isRoutingError, passesCheapChecks, RoutingError, signAhead, ZERO_ID, type ChainCheck, type ForwardRequest, type ForwardResponse } from '@evidence/node';
import type { RemoteContext } from './context.js';
import { hopTraceEvidence, NO_SUBJECT, recordAccessEvidence, type EvidenceToRecord } from './evidence.js';
import { callInternalService } from './internal-service.js';

/**
 * The destination side (POST /v1/deliver, called by this gateway's routing
 * node). The caller is authenticated by the chain itself: every hop must
 * verify against the registered keys, the last must hand the request to this
 * gateway, and hop 0 names the calling institution, which the service's
 * allow-list must admit. Then this gateway signs `deliver`, calls its
 * internal service, signs `response` over what the service answered, records
 * the trace (and the service's automatic evidence kind) durably, and only
 * then answers with the response and the whole trace.
 */
export async function deliver(ctx: RemoteContext, req: ForwardRequest): Promise<ForwardResponse> {
  const { destination, request } = req;
  const hops = req.hops as Hop[];
  if (destination.institution !== ctx.code) {
    throw new RoutingError('ROUTE_UNKNOWN_INSTITUTION', `this gateway serves ${ctx.code}, not ${destination.institution}`);
  }
  const service = ctx.settings.services.get(destination.service);
  if (!service) throw new RoutingError('REMOTE_UNKNOWN_SERVICE', `${ctx.code} publishes no service "${destination.service}"`);

  const keys = await ctx.keyRing.lookupFor(hops.map((h) => h.node));
  const check: ChainCheck = { hops, self: ctx.signer.id, request, keys, maxHops: ctx.settings.limits.maxHops, maxAgeMs: ctx.settings.limits.maxAgeMs, crypto: ctx.crypto };
  const last = hops[hops.length - 1]!;
  // As a routing node does: with worker threads, the deliver hop is signed on
  // one while the chain is checked, and used only if every check below passes.
  const shareWithCaller = ctx.pool?.idle ?? true;
  const deliverFields = (prev: string) => appendFields(ctx.signer, hops, prev, HOP_TYPE.deliver, ZERO_ID, last.digest);
  const ahead = ctx.pool && passesCheapChecks(check) ? signAhead(ctx.crypto, ctx.pool, () => deliverFields(toHex(hopHash(last))), ctx.signer) : undefined;
  let hashes: string[];
  try {
    hashes = await checkChainOn(ctx.pool, check, { shareWithCaller });
  } catch (e) {
    // The refused chain, as received, is the evidence against whoever sent it.
    if (isRoutingError(e)) ctx.traces.refuse(hops[0]!.requestId, hops, { ...errorBody(e, ctx.signer.id), at: Date.now(), request });
    throw e;
  }

  // Hop 0 verified against the registry: its signer is the calling institution.
  const callerId = hops[0]!.node;
  const caller = (service.allow !== '*' ? service.allow.get(callerId) : undefined) ?? (await ctx.codes?.(callerId));
  if (service.allow !== '*' && !service.allow.has(callerId)) {
    throw new RoutingError('REMOTE_FORBIDDEN', `institution ${caller ?? callerId} may not call ${ctx.code}/${service.name}`, {
      hop: 0,
      check: 'caller',
      node: callerId,
    });
  }
  const requestId = hops[0]!.requestId;
  if (!ctx.seen.claim(requestId)) {
    throw new RoutingError('REMOTE_REPLAY', `request ${requestId} was already delivered`, { hop: 0, check: 'replay', node: callerId });
  }

  const prevHash = hashes[hashes.length - 1]!;
  const early = await ahead;
  const deliverHop = early && early.prev === prevHash ? early : await ctx.crypto.signOn(ctx.pool, deliverFields(prevHash), ctx.signer);
  // Answer within what the sender still waits, leaving time for the way back.
  const handler = ctx.handlers?.get(service.name);
  const answer = handler
    ? await handler({ service: service.name, callerId, caller: caller ?? callerId, requestId, request })
    : await callInternalService(service, request, ctx.settings.limits.bodyBytes, (req.timeoutMs ?? service.timeoutMs) - 50);
  const resDigest = toHex(responseDigest(answer.status, request.path, answer.body));
  const withDeliver = [...hops, deliverHop];
  const responseHop = await ctx.crypto.signOn(ctx.pool, appendFields(ctx.signer, withDeliver, toHex(hopHash(deliverHop)), HOP_TYPE.response, ZERO_ID, resDigest), ctx.signer);
  const trace = [...withDeliver, responseHop];

  const facts = {
    requestId,
    role: 'destination' as const,
    caller: caller ?? callerId,
    destination,
    request,
    requestDigest: last.digest,
    status: answer.status,
    responseDigest: resDigest,
    hops: trace,
  };
  const subject = answer.subjectId !== undefined ? { idNumber: answer.subjectId } : NO_SUBJECT;
  const evidence: EvidenceToRecord[] = [hopTraceEvidence(facts, subject)];
  if (service.kind === 'record-access') evidence.push(recordAccessEvidence(facts, ctx.code, deliverHop.ts, subject));
  await ctx.record(evidence);
  ctx.traces.put(requestId, trace);

  const response: ForwardResponse['response'] = { status: answer.status };
  if (answer.body !== undefined) response.body = answer.body;
  return { response, hops: trace };
}
