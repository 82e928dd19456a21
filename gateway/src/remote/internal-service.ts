import type { IncomingHttpHeaders } from 'node:http';
import { HttpClient, RoutingError, TransportError, type ForwardedRequest, type HttpAnswer } from '@evidence/node';
import type { PublishedService } from './config.js';

/** The internal service's answer as the remote caller will see it. */
export interface ServiceAnswer {
  status: number;
  /** Parsed JSON, a string for text answers, absent for an empty body. */
  body?: unknown;
  /**
   * The patient concerned, when the service names one in the internal-only
   * header x-evidence-subject-id: it becomes the subject of the evidence
   * recorded for the call and never leaves this gateway.
   */
  subjectId?: string;
}

export const SUBJECT_HEADER = 'x-evidence-subject-id';

/** The methods passed on to an internal service (the remote caller chooses the method). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Kept-alive connections to the institution's own systems (node's http client: a fraction of fetch's cost per call). */
const client = new HttpClient();

/**
 * Calls an institution's internal service (its EMR, its pharmacy system...)
 * with the request exactly as the network delivered it: method, path and
 * JSON body. The path is the remote caller's (signed, but chosen by the
 * caller): it may only lead below the service's published URL, never by dot
 * segments to other paths of the same internal host. The answer is
 * size-limited and time-limited; a failure is REMOTE_SERVICE_UNAVAILABLE,
 * never a crash.
 */
export async function callInternalService(
  service: PublishedService,
  request: ForwardedRequest,
  maxBytes: number,
  budgetMs = service.timeoutMs,
): Promise<ServiceAnswer> {
  if (!METHODS.has(request.method)) {
    // CONNECT or UPGRADE-style methods would turn the call into a tunnel to the internal host.
    throw new RoutingError('REMOTE_FORBIDDEN', `method ${request.method.slice(0, 16)} is not passed to internal services`);
  }
  const target = belowService(service, request.path);
  const timeoutMs = Math.max(1, Math.min(service.timeoutMs, budgetMs));
  const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  let res: HttpAnswer;
  try {
    res = await client.request(request.method, target, hasBody ? JSON.stringify(request.body) : undefined, { timeoutMs, maxResponseBytes: maxBytes });
  } catch (e) {
    if (!(e instanceof TransportError)) throw e;
    throw new RoutingError('REMOTE_SERVICE_UNAVAILABLE', `service ${service.name} ${FAILURES[e.kind](timeoutMs, maxBytes)}`);
  }
  const answer: ServiceAnswer = { status: res.status };
  const subject = header(res.headers, SUBJECT_HEADER);
  if (subject) answer.subjectId = subject;
  if (res.body.length === 0) return answer;
  const text = res.body.toString('utf8');
  if (/\bjson\b/.test(header(res.headers, 'content-type') ?? '')) {
    try {
      answer.body = JSON.parse(text) as unknown;
    } catch {
      throw new RoutingError('REMOTE_SERVICE_UNAVAILABLE', `service ${service.name} answered with invalid JSON`);
    }
  } else {
    answer.body = text;
  }
  return answer;
}

/** The service's URL followed by the caller's path, refused when it resolves outside the service's base path. */
function belowService(service: PublishedService, path: string): URL {
  // The caller's path is signed but chosen by the caller: an encoded slash or backslash
  // would reach the internal service as a separator the checks below never saw.
  if (/%2f|%5c/i.test(path.split('?')[0]!)) {
    throw new RoutingError('REMOTE_BAD_PATH', `path ${JSON.stringify(path.slice(0, 80))} contains an encoded slash or backslash (%2F, %5C)`);
  }
  const base = new URL(service.url);
  let target: URL;
  try {
    target = new URL(service.url + path);
  } catch {
    throw new RoutingError('REMOTE_FORBIDDEN', `path ${JSON.stringify(path.slice(0, 80))} does not form a URL under service ${service.name}`);
  }
  const root = base.pathname.replace(/\/+$/, '');
  const inside = target.pathname === base.pathname || target.pathname.startsWith(`${root}/`);
  if (target.origin !== base.origin || !inside) {
    throw new RoutingError('REMOTE_FORBIDDEN', `path ${JSON.stringify(path.slice(0, 80))} leads outside service ${service.name}`);
  }
  return target;
}

/** How each way a call can fail below HTTP reads in the refusal. */
const FAILURES: Record<TransportError['kind'], (timeoutMs: number, maxBytes: number) => string> = {
  connect: () => 'is unreachable',
  reset: () => 'broke off the call before answering in full',
  timeout: (timeoutMs) => `did not answer within ${timeoutMs} ms`,
  'too-large': (_, maxBytes) => `answered with more than ${maxBytes} bytes`,
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
