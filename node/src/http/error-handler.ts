import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, isRoutingError, RoutingError } from '../errors.js';

export type ErrorHandler = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * The one error handler of the routing node (and of the gateway's remote-call
 * plugin): every refusal is JSON `{ code, message, by, hop?, check?, node? }`
 * with a 4xx status for bad input; only our own faults are 5xx. Inside a host
 * with its own handler (the gateway), errors that are not routing refusals
 * (authentication, validation) go to the host's handler.
 */
export function routingErrorHandler(by: string, host?: ErrorHandler): ErrorHandler {
  return (err, request, reply) => {
    if (host && !isRoutingError(err)) return host(err, request, reply);
    const e = toRoutingError(err);
    if (e.status >= 500 && e.code === 'INTERNAL') request.log.error({ err }, 'internal error');
    void reply.code(e.status).type('application/json').send(errorBody(e, by));
  };
}

export function toRoutingError(err: FastifyError | Error): RoutingError {
  if (isRoutingError(err)) return err;
  const f = err as FastifyError;
  if (f.validation) return new RoutingError('BAD_REQUEST', `${f.validationContext ?? 'request'}: ${f.message}`);
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new RoutingError('BODY_TOO_LARGE', 'the body exceeds the size limit');
  if (f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new RoutingError('REMOTE_UNSUPPORTED_MEDIA', f.message);
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) return new RoutingError('BAD_REQUEST', f.message);
  return new RoutingError('INTERNAL', 'internal error');
}
