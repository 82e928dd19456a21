import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkWebhookUrl, resolveTarget, type WebhookPolicy } from './webhook-target.js';

export interface WebhookPostOptions {
  policy: WebhookPolicy;
  /** The whole exchange (resolve, connect, TLS, send, answer) ends by then. */
  timeoutMs: number;
  /** Bytes of the receiver's answer read at most; the rest is not read (the connection is dropped). */
  maxResponseBytes: number;
  /** Resolution, replaceable in tests. */
  resolve?: Parameters<typeof resolveTarget>[2];
}

export interface WebhookAnswer {
  status: number;
  /** At most maxResponseBytes of the answer. */
  body: Buffer;
  truncated: boolean;
}

/**
 * One POST of a webhook body to the address its URL was checked to resolve to:
 * the URL and its addresses are checked here, at every attempt, and the socket
 * connects through a lookup that returns that checked address, so no second
 * resolution happens (DNS rebinding). TLS still verifies the certificate for
 * the URL's host name. Redirects are answers like any other (a 3xx is not 2xx,
 * so it fails and is retried, never followed); the answer is read up to
 * maxResponseBytes; everything is over after timeoutMs. The receiver
 * controls the status, the headers, the body and its pace.
 */
export async function postWebhook(rawUrl: string, headers: Record<string, string>, body: string, o: WebhookPostOptions): Promise<WebhookAnswer> {
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const target = await Promise.race([resolveTarget(checkWebhookUrl(rawUrl, o.policy), o.policy, o.resolve), whenAborted(deadline)]);
  const { address, family } = target.addresses[0]!;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = Buffer.from(body, 'utf8');
  return new Promise<WebhookAnswer>((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length), connection: 'close' },
        lookup: pinned,
        agent: false,
        signal: deadline,
        maxHeaderSize: 16 * 1024,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = o.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            // The rest is never read: drop the connection.
            res.destroy();
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), truncated });
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), truncated }));
        res.on('error', (e) => (truncated ? undefined : reject(e)));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out resolving the webhook host')), { once: true }));
}
