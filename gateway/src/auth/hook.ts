import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { prepareSm2PublicKey, sm3, toHex, utf8, type Sm2PreparedKey } from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { Client, ClientRegistry } from './clients.js';
import type { RequestLimits } from './limits.js';
import type { NonceGuard } from './nonce-guard.js';
import { BODY_DIGEST_HEADER, parseSignedAuth, SCHEME, verifySignedAuth, verifySignedDigest, type SignedAuth } from './request-signature.js';
import { allows, type Permission } from './roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; routes without one are public (health, metrics, docs). */
    permission?: Permission;
  }
  interface FastifyRequest {
    client: Client | null;
  }
}

export interface AuthOptions {
  clients: ClientRegistry;
  nonces: NonceGuard;
  allowBearer: boolean;
  windowMs: number;
  limits: RequestLimits;
  /** Largest body read before its signature could be checked (SM2 requests without the body digest header). */
  unverifiedBodyLimit: number;
  now?: () => number;
}

/** What onRequest learnt of a request that preValidation finishes. */
interface Pending {
  /** A signature to check against the body once read. */
  auth?: SignedAuth;
  /** The body digest a verified signature covers, to compare with the body read. */
  digest?: string;
}
const PENDING = Symbol('pendingAuth');
type WithPending = FastifyRequest & { [PENDING]?: Pending };

/**
 * Authentication in two steps, so that limits and cheap checks come before
 * the body is read:
 *  - onRequest: the headers. A missing or malformed header, an unknown client
 *    or token, a timestamp out of the window, a source address that spent its
 *    budget of failures: refused before one byte of the body is read, and the
 *    connection closed. With the body digest header (x-evidence-body-sm3) the
 *    SM2 signature itself is checked here and the nonce claimed, so a bad
 *    signature on a 31 MB bulk body costs one SM2 verify and nothing else.
 *  - preValidation: a signed request without that header is checked against
 *    the body, which is read only up to unverifiedBodyLimit; a verified
 *    digest is compared with the body read.
 * Then the route's permission against the caller's roles, before schema
 * validation, so an unauthenticated caller learns nothing about what a valid
 * body looks like. The attacker controls every header and the body; nothing
 * is trusted before the signature verifies.
 */
export function authHooks(o: AuthOptions) {
  const now = o.now ?? Date.now;
  const prepared = new Map<string, Sm2PreparedKey>();
  const keyOf = (c: Client): Sm2PreparedKey => {
    let k = prepared.get(c.id);
    if (!k) prepared.set(c.id, (k = prepareSm2PublicKey(c.publicKey!)));
    return k;
  };

  const failed = async (req: FastifyRequest, reply: FastifyReply, e: unknown): Promise<never> => {
    if (e instanceof GatewayError && e.code.startsWith('AUTH_') && e.code !== 'AUTH_FORBIDDEN') await o.limits.failed(req);
    // An unread body stays unread: the connection closes after the answer.
    void reply.header('connection', 'close');
    throw e;
  };

  const admit = async (req: FastifyRequest, reply: FastifyReply, client: Client, permission: Permission): Promise<void> => {
    req.client = client;
    if (!allows(client.roles, permission)) {
      throw new GatewayError('AUTH_FORBIDDEN', `client ${client.id} (${client.roles.join(', ')}) lacks ${permission}`);
    }
    await o.limits.client(req, reply, client.id);
  };

  const claim = async (client: Client, auth: SignedAuth, t: number): Promise<void> => {
    // Only a verified request may claim a nonce, so nobody can burn another client's nonces.
    if (!(await o.nonces.claim(`${client.id}:${auth.nonce}`, auth.ts, t))) {
      throw new GatewayError('AUTH_REPLAY', 'this nonce was already used: the request is a replay');
    }
  };

  /** The header checks; the client when it is already authenticated (bearer token, signed body digest). */
  async function fromHeaders(req: WithPending): Promise<Client | null> {
    const header = req.headers.authorization;
    if (!header) throw new GatewayError('AUTH_MISSING', `missing Authorization header (${SCHEME} signature${o.allowBearer ? ' or Bearer token' : ''})`);
    if (header.startsWith('Bearer ')) {
      if (!o.allowBearer) throw new GatewayError('AUTH_INVALID', 'bearer tokens are disabled on this gateway; sign the request with SM2');
      const client = o.clients.byToken(header.slice(7).trim());
      if (!client) throw new GatewayError('AUTH_INVALID', 'unknown bearer token');
      return client;
    }
    const auth = parseSignedAuth(header);
    if (!auth) throw new GatewayError('AUTH_INVALID', `malformed Authorization header; expected ${SCHEME} client="…", ts="…", nonce="…", sig="…"`);
    const client = o.clients.get(auth.client);
    if (!client?.publicKey) throw new GatewayError('AUTH_INVALID', `unknown client ${JSON.stringify(auth.client)}`);
    const t = now();
    if (Math.abs(t - auth.ts) > o.windowMs) {
      throw new GatewayError('AUTH_EXPIRED', `request timestamp is ${Math.round((t - auth.ts) / 1000)} s off; allowed ±${o.windowMs / 1000} s`);
    }
    const digest = req.headers[BODY_DIGEST_HEADER];
    if (typeof digest === 'string') {
      if (!/^[0-9a-f]{64}$/.test(digest)) throw new GatewayError('AUTH_INVALID', `${BODY_DIGEST_HEADER} must be the SM3 of the body, 64 lowercase hex digits`);
      if (!verifySignedDigest(auth, req.method, req.url, digest, keyOf(client))) throw badSignature();
      await claim(client, auth, t);
      req[PENDING] = { digest };
      return client;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > o.unverifiedBodyLimit) throw unverifiedTooLarge(o.unverifiedBodyLimit);
    req[PENDING] = { auth };
    return null;
  }

  return {
    async onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const permission = req.routeOptions.config.permission;
      if (!permission) return;
      try {
        if (await o.limits.failuresSpent(req)) {
          void reply.header('connection', 'close');
          throw new GatewayError('RATE_LIMITED', 'too many failed authentications from this address; retry later / 认证失败次数过多', { headers: { 'retry-after': '60' } });
        }
        const client = await fromHeaders(req as WithPending);
        if (client) await admit(req, reply, client, permission);
      } catch (e) {
        await failed(req, reply, e);
      }
    },

    /** A signed body without the digest header arrives through a counter that stops it past the limit. */
    async preParsing(req: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
      if (!(req as WithPending)[PENDING]?.auth) return payload;
      let seen = 0;
      const limit = o.unverifiedBodyLimit;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, done) {
          seen += chunk.length;
          done(seen > limit ? unverifiedTooLarge(limit) : null, chunk);
        },
      });
      return payload.pipe(counted);
    },

    async preValidation(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const permission = req.routeOptions.config.permission;
      const pending = (req as WithPending)[PENDING];
      if (!permission || !pending) return;
      try {
        const body = req.rawBody ?? '';
        if (pending.digest !== undefined) {
          if (toHex(sm3(typeof body === 'string' ? utf8(body) : body)) !== pending.digest) {
            throw new GatewayError('AUTH_INVALID', `the body does not match ${BODY_DIGEST_HEADER}`);
          }
          return;
        }
        const auth = pending.auth!;
        const client = o.clients.get(auth.client)!;
        if (!verifySignedAuth(auth, req.method, req.url, body, keyOf(client))) throw badSignature();
        await claim(client, auth, now());
        await admit(req, reply, client, permission);
      } catch (e) {
        await failed(req, reply, e);
      }
    },
  };
}

const badSignature = () => new GatewayError('AUTH_INVALID', 'the request signature does not verify (method, path, body, ts, nonce and client are signed)');
const unverifiedTooLarge = (limit: number) =>
  new GatewayError(
    'BODY_TOO_LARGE',
    `a body over ${limit} bytes is read only once its signature is checked: send ${BODY_DIGEST_HEADER} (the SM3 of the body the signature covers) / 大请求体须携带 ${BODY_DIGEST_HEADER}`,
  );
