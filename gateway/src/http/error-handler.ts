import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { classify, isGatewayError, type AnyErrorCode } from '../errors.js';
import { validationMessage } from './validation.js';

/** Fastify's own error codes that are the caller's fault, with ours. */
const FASTIFY_CODES: Record<string, { code: AnyErrorCode; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', status: 413 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_JSON', status: 400 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'BAD_JSON', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'BAD_JSON', status: 400 },
};

export interface ErrorBody {
  code: AnyErrorCode;
  message: string;
}

/**
 * The one error handler: every failure leaves as HTTP status + { code, message }.
 * Unknown errors are logged with their stack and answered with a generic
 * message, so internals never reach the caller.
 */
export function errorHandler(onError?: (code: AnyErrorCode) => void) {
  return function handle(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    let body: ErrorBody;
    let status: number;
    if (error.validation) {
      status = 400;
      body = { code: 'VALIDATION_FAILED', message: validationMessage(error.validation, error.validationContext ?? 'request') };
    } else if (error.code && FASTIFY_CODES[error.code]) {
      const mapped = FASTIFY_CODES[error.code]!;
      status = mapped.status;
      body = { code: mapped.code, message: mapped.code === 'BAD_JSON' ? `the body is not valid JSON: ${error.message}` : error.message };
    } else if (error.statusCode === 429) {
      status = 429;
      body = { code: 'RATE_LIMITED', message: error.message };
    } else {
      const c = classify(error);
      status = c.status;
      body = { code: c.code, message: c.status >= 500 && c.code === 'INTERNAL' ? 'internal error / 内部错误' : error.message };
      if (c.code === 'INTERNAL' && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        // Another Fastify 4xx we have no code for: keep its status, name it generically.
        status = error.statusCode;
        body = { code: 'VALIDATION_FAILED', message: error.message };
      }
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (isGatewayError(error)) reply.headers(error.headers);
    onError?.(body.code);
    void reply.status(status).send(body);
  };
}
