import type { FastifyRequest } from 'fastify';
import { prepareSm2PublicKey, type Sm2PreparedKey } from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { Client, ClientRegistry } from './clients.js';
import type { NonceGuard } from './nonce-guard.js';
import { parseSignedAuth, SCHEME, verifySignedAuth } from './request-signature.js';
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
  now?: () => number;
}

/**
 * A preValidation hook: authenticates the caller (SM2-signed request, or a
 * bearer token when allowed), then checks the route's permission against the
 * caller's roles. It runs before schema validation, so an unauthenticated
 * caller learns nothing about what a valid body looks like.
 */
export function authHook(o: AuthOptions) {
  const now = o.now ?? Date.now;
  const prepared = new Map<string, Sm2PreparedKey>();
  const keyOf = (c: Client): Sm2PreparedKey => {
    let k = prepared.get(c.id);
    if (!k) prepared.set(c.id, (k = prepareSm2PublicKey(c.publicKey!)));
    return k;
  };

  async function authenticate(req: FastifyRequest): Promise<Client> {
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
    if (!verifySignedAuth(auth, req.method, req.url, req.rawBody ?? '', keyOf(client))) {
      throw new GatewayError('AUTH_INVALID', 'the request signature does not verify (method, path, body, ts, nonce and client are signed)');
    }
    // Only a verified request may claim a nonce, so nobody can burn another client's nonces.
    if (!(await o.nonces.claim(`${client.id}:${auth.nonce}`, auth.ts, t))) {
      throw new GatewayError('AUTH_REPLAY', 'this nonce was already used: the request is a replay');
    }
    return client;
  }

  return async function hook(req: FastifyRequest): Promise<void> {
    const permission = req.routeOptions.config.permission;
    if (!permission) return;
    const client = await authenticate(req);
    req.client = client;
    if (!allows(client.roles, permission)) {
      throw new GatewayError('AUTH_FORBIDDEN', `client ${client.id} (${client.roles.join(', ')}) lacks ${permission}`);
    }
  };
}
