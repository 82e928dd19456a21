import http from 'node:http';
import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { entityId, toHex } from '@evidence/core';
import type { TlsMaterial } from '../tls/tls-files.js';

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
  /**
   * Over TLS, the id of the device expected at the other end: its
   * certificate's CN must be the code whose SM3 is this id (besides the
   * host name check), so a link cannot be answered by another device of the
   * same network.
   */
  peer?: string;
}

/**
 * The links between gateways and routing nodes: with `tls`, https with this
 * device's certificate, the network CA as the only trust anchor; plain http
 * only when `plainHttp` is true (development). Without `tls`, plain http
 * (as an institution's own services are called).
 */
export interface LinkOptions {
  tls?: TlsMaterial;
  plainHttp?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** A handshake the other side or this one refused (certificate, peer, protocol): nothing was delivered. */
const TLS_REFUSAL = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_PEER)/;

/** The host name check, then the device check: the certificate's CN must be the code of `peer`. */
function expectPeer(peer: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const failed = checkServerIdentity(host, cert);
    if (failed) return failed;
    const cn = cert.subject?.CN;
    const code = Array.isArray(cn) ? cn[0] : cn;
    if (typeof code !== 'string' || toHex(entityId(code)) !== peer) {
      return Object.assign(new Error(`the certificate of ${host} names ${String(code)}, not the device expected`), { code: 'ERR_TLS_PEER_MISMATCH' });
    }
    return undefined;
  };
}

/**
 * A small keep-alive HTTP client for calls to other devices and to an
 * institution's own services: one agent per origin, a hard deadline over the
 * whole exchange and a cap on the answer's size (the other side is not
 * trusted to send a bounded body).
 */
export class HttpClient {
  private readonly agents = new Map<string, http.Agent>();
  private closed = false;
  private readonly tls: TlsMaterial | undefined;
  private readonly plainHttp: boolean;

  constructor(link: LinkOptions = {}) {
    this.tls = link.tls;
    this.plainHttp = link.plainHttp ?? link.tls === undefined;
  }

  /** Whether this client may use plain http on links (development only once TLS is configured). */
  get allowsPlainHttp(): boolean {
    return this.plainHttp;
  }

  /** A JSON body posted, as between nodes and gateways: https with this device's certificate, or http where allowed. */
  post(url: string, body: string | Buffer, options: PostOptions): Promise<HttpAnswer> {
    const target = new URL(url);
    if (target.protocol === 'http:' && !this.plainHttp) {
      return Promise.reject(new TransportError('connect', `plain http to ${target.origin} is not allowed on this link (TLS required)`));
    }
    if (target.protocol === 'https:' && !this.tls) return Promise.reject(new TransportError('connect', `no TLS certificate configured for ${target.origin}`));
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new TransportError('connect', `unsupported URL ${url}`));
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
      const tlsOptions = target.protocol === 'https:' && options.peer !== undefined ? { checkServerIdentity: expectPeer(options.peer) } : {};
      const req = (target.protocol === 'https:' ? https : http).request(
        target,
        { method, agent: this.agent(target), headers, ...tlsOptions },
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
        const kind: TransportFailure = e.code && (CONNECT_CODES.has(e.code) || TLS_REFUSAL.test(e.code)) ? 'connect' : 'reset';
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
      agent =
        target.protocol === 'https:'
          ? new https.Agent({ ...options, ...(this.tls ? { ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, minVersion: 'TLSv1.2' as const } : {}) })
          : new http.Agent(options);
      this.agents.set(target.origin, agent);
    }
    return agent;
  }
}
