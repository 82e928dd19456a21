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

/**
 * Errors before a request exists (Node's HTTP parser): headers too large, a
 * client too slow, bytes that are not HTTP. The same { code, message } shape;
 * the connection is closed, since the parser cannot tell where the next request starts.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', { code: 'HEADERS_TOO_LARGE', message: 'the request headers exceed the allowed size / 请求头过大' }]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time / 请求超时' }]
        : [400, 'Bad Request', { code: 'BAD_REQUEST', message: 'the request is not valid HTTP / 请求格式错误' }];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy();
}
