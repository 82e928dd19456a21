import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import { GatewayError } from '../errors.js';

export interface LimitSettings {
  /** Requests per window from one source address, counted before anything else runs. */
  addressMax: number;
  /** Requests per window from one authenticated client. */
  clientMax: number;
  /** Failed authentications per window from one source address before its unverified requests are refused. */
  failureMax: number;
  windowMs: number;
  /** Counters in Redis so every instance of the gateway shares them; in process otherwise. */
  redis?: Redis;
  prefix?: string;
}

type Check = (req: FastifyRequest, options?: { increment?: boolean }) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number; max?: number; remaining?: number }>;

export interface RequestLimits {
  /** onRequest, first: the source address's budget, before authentication and before the body. */
  address(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** True while the source address has spent its budget of failed authentications (not counted). */
  failuresSpent(req: FastifyRequest): Promise<boolean>;
  /** Counts one failed authentication of the source address. */
  failed(req: FastifyRequest): Promise<void>;
  /** The authenticated client's budget; once per request. */
  client(req: FastifyRequest, reply: FastifyReply, id: string): Promise<void>;
}

const CLIENT_COUNTED = Symbol('clientCounted');

/**
 * The rate limits, counted by @fastify/rate-limit's stores (its in-process LRU,
 * or Redis when REDIS_URL is set so limits hold across instances). Its own
 * hooks are not used (global: false): one request passes three checks at
 * different moments, and the plugin's hook runs once per request.
 * An attacker controls the source address only as far as the network lets it
 * (no proxy header is trusted) and never the client id: a client is counted
 * only once its request is authenticated, so a flood claiming another
 * client's id spends the flood's address budget, not the victim's.
 */
export async function requestLimits(app: FastifyInstance, s: LimitSettings): Promise<RequestLimits> {
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    max: s.clientMax,
    timeWindow: s.windowMs,
    ...(s.redis ? { redis: s.redis, nameSpace: `${s.prefix ?? 'evidence'}:rate:` } : {}),
  });
  const make = (max: number, key: (req: FastifyRequest) => string): Check =>
    (app as unknown as { createRateLimit(o: object): Check }).createRateLimit({ max, timeWindow: s.windowMs, keyGenerator: key });
  const byAddress = make(s.addressMax, (req) => `ip:${sourceOfRequest(req)}`);
  const failures = make(s.failureMax, (req) => `authfail:${sourceOfRequest(req)}`);
  const byClient = make(s.clientMax, (req) => `client:${(req as unknown as { limitedClient: string }).limitedClient}`);

  const refuse = (reply: FastifyReply, what: string, r: { ttlInSeconds?: number; max?: number }): never => {
    // The rest of the body, if any, is not read: the connection closes after the answer.
    void reply.header('connection', 'close');
    throw new GatewayError('RATE_LIMITED', `rate limit of ${r.max} requests per ${Math.round(s.windowMs / 1000)} s for this ${what} exceeded; retry in ${r.ttlInSeconds ?? 1} s / 请求过于频繁`, {
      headers: { 'retry-after': String(r.ttlInSeconds ?? 1) },
    });
  };

  return {
    async address(req, reply) {
      const r = await byAddress(req);
      if (r.isExceeded) refuse(reply, 'source address', r);
    },
    async failuresSpent(req) {
      const r = await failures(req, { increment: false });
      return !r.isAllowed && r.remaining === 0;
    },
    async failed(req) {
      await failures(req);
    },
    async client(req, reply, id) {
      const marked = req as unknown as { [CLIENT_COUNTED]?: boolean; limitedClient: string };
      if (marked[CLIENT_COUNTED]) return;
      marked[CLIENT_COUNTED] = true;
      marked.limitedClient = id;
      const r = await byClient(req);
      if (r.isExceeded) refuse(reply, 'client', r);
    },
  };
}

// A connection's peer address never changes: its source is worked out once per connection, not per request.
const sourceByConnection = new WeakMap<object, string>();

function sourceOfRequest(req: FastifyRequest): string {
  const socket = req.raw.socket as object | undefined;
  if (!socket) return sourceOf(req.ip);
  let source = sourceByConnection.get(socket);
  if (source === undefined) {
    source = sourceOf(req.ip);
    sourceByConnection.set(socket, source);
  }
  return source;
}

/**
 * The source a budget is counted for: an IPv4 address, or the /64 of an IPv6
 * one (one host usually holds a whole /64, so counting single IPv6 addresses
 * would give it billions of budgets). IPv4-mapped IPv6 counts as its IPv4.
 */
export function sourceOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const a = ipaddr.process(ip);
  if (a.kind() === 'ipv4') return a.toString();
  return `${(a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}
