import { RoutingError, type ForwardedRequest } from '@evidence/node';
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

/**
 * Calls an institution's internal service (its EMR, its pharmacy system...)
 * with the request exactly as the network delivered it: method, path and
 * JSON body. The answer is size-limited and time-limited; a failure is
 * REMOTE_SERVICE_UNAVAILABLE, never a crash.
 */
export async function callInternalService(
  service: PublishedService,
  request: ForwardedRequest,
  maxBytes: number,
  budgetMs = service.timeoutMs,
): Promise<ServiceAnswer> {
  const timeoutMs = Math.max(1, Math.min(service.timeoutMs, budgetMs));
  const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  let res: Response;
  try {
    res = await fetch(service.url + request.path, {
      method: request.method,
      headers: hasBody ? { 'content-type': 'application/json' } : {},
      body: hasBody ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw new RoutingError(
      'REMOTE_SERVICE_UNAVAILABLE',
      timedOut ? `service ${service.name} did not answer within ${timeoutMs} ms` : `service ${service.name} is unreachable`,
    );
  }
  const bytes = await readLimited(res, maxBytes, service.name);
  const answer: ServiceAnswer = { status: res.status };
  const subject = res.headers.get(SUBJECT_HEADER);
  if (subject) answer.subjectId = subject;
  if (bytes.length === 0) return answer;
  const text = bytes.toString('utf8');
  if (/\bjson\b/.test(res.headers.get('content-type') ?? '')) {
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

async function readLimited(res: Response, maxBytes: number, name: string): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new RoutingError('REMOTE_SERVICE_UNAVAILABLE', `service ${name} answered with more than ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
