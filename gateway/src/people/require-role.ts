import type { FastifyRequest } from 'fastify';
import type { Role } from '../auth/roles.js';
import { GatewayError } from '../errors.js';

/**
 * A preHandler for routes that belong to one kind of user (insurers,
 * institution admins): the route's permission authenticates the caller, this
 * checks the role itself.
 */
export function requireRole(role: Role) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!req.client?.roles.includes(role)) {
      throw new GatewayError('AUTH_FORBIDDEN', `client ${req.client?.id ?? '?'} lacks the role ${role} this route needs`);
    }
  };
}
