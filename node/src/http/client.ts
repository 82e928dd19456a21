import http from 'node:http';
import https from 'node:https';

/**
 * Why a request to another node or gateway failed below HTTP.
 * - connect: nothing was delivered (refused, unreachable): safe to try another route;
 * - reset: the connection broke before an answer: the request may or may not
 *   have arrived (the destination gateway refuses a second delivery of a
 *   request id, so retrying cannot make it run twice);
 * - timeout: no answer in time: it may still be running, never retried;
 * - too-large: the answer exceeded the size limit.
 */
export type TransportFailure = 'connect' | 'reset' | 'timeout' | 'too-large';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface PostOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/**
 * A small keep-alive HTTP client for calls to other devices and to an
 * institution's own services: one agent per origin, a hard deadline over the
 * whole exchange and a cap on the answer's size (the other side is not
 * trusted to send a bounded body).
 */
export class HttpClient {
  private readonly agents = new Map<string, http.Agent>();
  private closed = false;

  /** A JSON body posted, as between nodes and gateways (plain http, as their configuration requires). */
  post(url: string, body: string | Buffer, options: PostOptions): Promise<HttpAnswer> {
    const target = new URL(url);
    if (target.protocol !== 'http:') return Promise.reject(new TransportError('connect', `unsupported URL ${url}`));
    return this.request('POST', target, body, options);
  }

  /** Any method; a body (sent as JSON) or none. */
  request(method: string, url: string | URL, body: string | Buffer | undefined, options: PostOptions): Promise<HttpAnswer> {
    const target = typeof url === 'string' ? new URL(url) : url;
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new TransportError('connect', `unsupported URL ${target.href}`));
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (err: TransportError | null, answer?: HttpAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const headers = payload === undefined ? { ...options.headers } : { 'content-type': 'application/json', 'content-length': String(payload.length), ...options.headers };
      const req = (target.protocol === 'https:' ? https : http).request(
        target,
        { method, agent: this.agent(target), headers },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxResponseBytes) {
              finish(new TransportError('too-large', `answer from ${target.origin} exceeds ${options.maxResponseBytes} bytes`));
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', () => finish(new TransportError('reset', `connection to ${target.origin} broke mid-answer`)));
          res.on('aborted', () => finish(new TransportError('reset', `connection to ${target.origin} broke mid-answer`)));
        },
      );
      const timer = setTimeout(() => {
        finish(new TransportError('timeout', `no answer from ${target.origin} within ${options.timeoutMs} ms`));
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        const kind: TransportFailure = e.code && CONNECT_CODES.has(e.code) ? 'connect' : 'reset';
        finish(new TransportError(kind, `${target.origin}: ${e.code ?? e.message}`));
      });
      req.end(payload);
    });
  }

  /** Drops pooled connections to one origin (its node died or restarted). */
  forget(origin: string): void {
    this.agents.get(origin)?.destroy();
    this.agents.delete(origin);
  }

  close(): void {
    this.closed = true;
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agent(target: URL): http.Agent {
    if (this.closed) throw new TransportError('connect', 'client closed');
    let agent = this.agents.get(target.origin);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: 256, timeout: 60_000 };
      agent = target.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(target.origin, agent);
    }
    return agent;
  }
}
