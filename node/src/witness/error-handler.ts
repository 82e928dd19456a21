import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isWitnessError, WitnessError, witnessErrorBody } from './errors.js';

/**
 * The one error handler of the witness routes: every refusal is JSON
 * `{ code, message }` (and `size` for WITNESS_WRONG_BASE) with a 4xx status;
 * only the witness's own faults are 5xx.
 */
export function witnessErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = toWitnessError(err);
  if (e.code === 'WITNESS_INTERNAL') request.log.error({ err: e.cause ?? err }, 'witness internal error');
  void reply.code(e.status).type('application/json').send(witnessErrorBody(e));
}

export function toWitnessError(err: FastifyError | Error): WitnessError {
  if (isWitnessError(err)) return err;
  const f = err as FastifyError;
  if (f.validation) return new WitnessError('WITNESS_BAD_REQUEST', `请求格式错误 / malformed request: ${f.validationContext ?? 'request'} ${f.message}`);
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new WitnessError('WITNESS_BODY_TOO_LARGE', '请求体过大 / the body exceeds the size limit');
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return new WitnessError('WITNESS_BAD_REQUEST', `请求格式错误 / malformed request: ${f.message}`);
  }
  return new WitnessError('WITNESS_INTERNAL', '见证节点内部错误 / internal error of the witness', { cause: err });
}
