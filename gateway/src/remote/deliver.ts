import { envelope as env, HOP_TYPE, hopHash, requestDigest, responseDigest, sm2Sign, toHex, utf8, type Hop } from '@evidence/core';
import {
  appendFields,
  checkChainOn,
  envelopeMismatch,
  envelopeOnPool,
  checkSealedRequest,
  errorBody,
  isRoutingError,
  passesCheapChecks,
  requestContext,
  requestValidator,
  responseContext,
  RoutingError,
  sealedOrClear,
  signAhead,
  splitSealed,
  withSignature,
  ZERO_ID,
  type ChainCheck,
  type ForwardedRequest,
  type ForwardRequest,
  type ForwardResponse,
  type SignaturePool,
} from '@evidence/node';
import type { RemoteContext } from './context.js';
import { hopTraceEvidence, NO_SUBJECT, recordAccessEvidence, type EvidenceToRecord } from './evidence.js';
import { callInternalService } from './internal-service.js';

/**
 * The destination side (POST /v1/deliver, called by this gateway's routing
 * node over mutual TLS). The caller is authenticated by the chain itself:
 * every hop must verify against the registered keys, the last must hand the
 * request to this gateway (and be signed by the device on the TLS link), and
 * hop 0 names the calling institution, which the service's allow-list must
 * admit. A sealed request must carry hop 0's signer's signature over its
 * envelope, open with this gateway's key under the hops' request id, origin
 * and digest, and its plaintext must have exactly the digest the hops sign.
 * Then this gateway signs `deliver`, calls its internal service, signs
 * `response` over what the service answered, records the trace (and the
 * service's automatic evidence kind) durably, and only then answers with the
 * response, sealed back to the origin, and the whole trace.
 */
export async function deliver(ctx: RemoteContext, req: ForwardRequest, peer?: string): Promise<ForwardResponse> {
  const { destination } = req;
  const hops = req.hops as Hop[];
  if (destination.institution !== ctx.code) {
    throw new RoutingError('ROUTE_UNKNOWN_INSTITUTION', `this gateway serves ${ctx.code}, not ${destination.institution}`);
  }
  const service = ctx.settings.services.get(destination.service);
  if (!service) throw new RoutingError('REMOTE_UNKNOWN_SERVICE', `${ctx.code} publishes no service "${destination.service}"`);
  const sealed = sealedOrClear(req, !ctx.settings.seal);

  const keys = await ctx.keyRing.lookupFor(hops.map((h) => h.node));
  const check: ChainCheck = {
    hops,
    self: ctx.signer.id,
    ...(req.request ? { request: req.request } : {}),
    ...(peer !== undefined ? { peer } : {}),
    keys,
    maxHops: ctx.settings.limits.maxHops,
    maxAgeMs: ctx.settings.limits.maxAgeMs,
    crypto: ctx.crypto,
  };
  const last = hops[hops.length - 1]!;
  // As a routing node does: with worker threads, the deliver hop is signed on
  // one while the chain is checked, and used only if every check below passes.
  const shareWithCaller = ctx.pool?.idle ?? true;
  const deliverFields = (prev: string) => appendFields(ctx.signer, hops, prev, HOP_TYPE.deliver, ZERO_ID, last.digest);
  const ahead = ctx.pool && passesCheapChecks(check) ? signAhead(ctx.crypto, ctx.pool, () => deliverFields(toHex(hopHash(last))), ctx.signer) : undefined;
  // The envelope's signature on a worker beside the chain's, as a routing node checks it.
  const envelopeSigned = sealed && ahead !== undefined && ctx.pool!.size > 0 ? envelopeOnPool(ctx.pool!, req, keys) : undefined;
  let hashes: string[];
  let opened: { request: ForwardedRequest; contentKey?: Uint8Array };
  try {
    hashes = await checkChainOn(ctx.pool, check, { shareWithCaller });
    opened = sealed ? openSealed(ctx, req, keys, peer, envelopeSigned === undefined ? undefined : await envelopeSigned) : { request: req.request! };
  } catch (e) {
    // The refused chain, as received, is the evidence against whoever sent it.
    if (isRoutingError(e)) {
      ctx.traces.refuse(hops[0]!.requestId, hops, { ...errorBody(e, ctx.signer.id), at: Date.now(), ...(req.request ? { request: req.request } : {}), ...(req.sealed ? { sealed: req.sealed } : {}) });
    }
    throw e;
  }
  const { request } = opened;

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
  if (!(await ctx.seen.claim(requestId))) {
    throw new RoutingError('REMOTE_REPLAY', `request ${requestId} was already delivered`, { hop: 0, check: 'replay', node: callerId, ...(peer ? { sender: peer } : {}) });
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

  const response: NonNullable<ForwardResponse['response']> = { status: answer.status };
  if (answer.body !== undefined) response.body = answer.body;
  if (!opened.contentKey) return { response, hops: trace };
  // The response goes back sealed under the request's key, signed by this gateway (the deliver hop's signer).
  const rctx = responseContext(destination, trace);
  const envelope = env.sealResponse(utf8(JSON.stringify(response)), opened.contentKey, rctx);
  const sig = await signBytes(ctx.pool, env.envelopeSigningBytes(envelope, rctx), ctx.signer.privateKey);
  return { sealed: withSignature(envelope, sig), hops: trace };
}

/**
 * The envelope's signature by hop 0's signer (a swapped envelope names the
 * sender), then opened with this gateway's key under the hops' context; what
 * it holds must be a request whose digest is the one the hops sign. Past the
 * signature check, a failure is the origin's own (it signed this envelope and
 * hop 0): hop 0 is named.
 */
function openSealed(
  ctx: RemoteContext,
  req: ForwardRequest,
  keys: ChainCheck['keys'],
  peer: string | undefined,
  signedAsChecked: boolean | undefined,
): { request: ForwardedRequest; contentKey: Uint8Array } {
  const hops = req.hops as Hop[];
  try {
    if (signedAsChecked === undefined) checkSealedRequest(req.sealed!, req.destination, hops, keys);
    else if (!signedAsChecked) throw envelopeMismatch(req.destination, hops);
  } catch (e) {
    if (isRoutingError(e) && e.blame && peer !== undefined) throw new RoutingError(e.code, e.message, { ...e.blame, sender: peer });
    throw e;
  }
  const origin = { hop: 0, node: hops[0]!.node };
  let plaintext: Uint8Array;
  let contentKey: Uint8Array;
  try {
    ({ plaintext, contentKey } = env.openRequest(splitSealed(req.sealed!).envelope, ctx.signer.privateKey, requestContext(req.destination, hops)));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ENVELOPE_MALFORMED';
    throw new RoutingError('ENVELOPE_UNREADABLE', `hop 0: envelope (signed by the origin but it does not open here: ${code})`, { ...origin, check: 'envelope' });
  }
  let request: unknown;
  try {
    request = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    request = undefined;
  }
  if (!requestValidator.Check(request)) {
    throw new RoutingError('ENVELOPE_UNREADABLE', 'hop 0: envelope (it does not hold a request { method, path, body })', { ...origin, check: 'envelope' });
  }
  const digest = toHex(requestDigest(request.method, request.path, request.body));
  if (digest !== hops[0]!.digest) {
    throw new RoutingError('HOP_DIGEST_MISMATCH', 'hop 0: digest (the origin sealed a request other than the one its hop signs)', { ...origin, check: 'digest' });
  }
  return { request, contentKey };
}

async function signBytes(pool: SignaturePool | undefined, bytes: Uint8Array, privateKey: string): Promise<string> {
  return toHex(pool && pool.size > 0 ? await pool.sign(bytes, privateKey) : sm2Sign(bytes, privateKey));
}
