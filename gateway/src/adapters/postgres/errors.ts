import { GatewayError } from '../../errors.js';
import { IdempotencyKeyTaken } from '../../ports/store.js';

/** Raised by evidence_fence: this process's epoch no longer holds the sequencer lease. */
export class NotSequencer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotSequencer';
  }
}

/** SQLSTATE classes and codes meaning the database cannot be reached or is going away, not that the request is wrong. */
const UNAVAILABLE_STATES = /^(08|53|57P|58)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Turns a driver error into what the gateway answers: the database out of
 * reach is STORE_UNAVAILABLE (503, the client tries again later: nothing was
 * acknowledged), a taken idempotency key is IdempotencyKeyTaken, a lost lease
 * NotSequencer. Anything else is thrown as it was.
 */
export function translate(e: unknown): unknown {
  const err = e as { code?: string; message?: string; detail?: string };
  if (err?.code === 'EV001') return new IdempotencyKeyTaken(JSON.parse(err.detail ?? '[]') as { client: string; key: string }[]);
  if (err?.code === 'EV002') return new NotSequencer(err.message ?? 'not the sequencer');
  const message = err?.message ?? String(e);
  if (
    (err?.code !== undefined && (UNAVAILABLE_STATES.test(err.code) || UNAVAILABLE_ERRNO.has(err.code))) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error/i.test(message)
  ) {
    return new GatewayError('STORE_UNAVAILABLE', `the database cannot be reached; nothing was recorded, try again shortly / 数据库暂不可用，未记录，请稍后重试 (${message})`, {
      cause: e,
      headers: { 'retry-after': '1' },
    });
  }
  return e;
}
