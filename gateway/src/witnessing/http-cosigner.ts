import { WITNESS_REFUSAL_CODES, type CosignOutcome, type RequestCosignature, type WitnessRefusalCode } from './port.js';

export const COSIGN_PATH = '/v1/witness/cosign';
/** A cosignature answer is a few hundred bytes; a witness sending more is not following the contract. */
const MAX_ANSWER_BYTES = 64 * 1024;
const REFUSALS: ReadonlySet<string> = new Set(WITNESS_REFUSAL_CODES);

/**
 * The HTTP adapter of RequestCosignature: one POST per request, given up
 * after `timeoutMs` (WITNESS_TIMEOUT_MS), redirects not followed (the
 * configured URL is the witness; a redirect could send the checkpoint
 * elsewhere). Everything read from the answer is the witness's word: status,
 * body size, JSON shape and codes are checked here, the cosignature itself by
 * the caller.
 */
export function httpCosigner(options: { timeoutMs: number; fetch?: typeof fetch }): RequestCosignature {
  const doFetch = options.fetch ?? fetch;
  return async (witness, request, signal) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await doFetch(witness.url + COSIGN_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
      status = res.status;
      text = await readCapped(res);
    } catch (e) {
      if (timeout.aborted) return { kind: 'failed', code: 'WITNESS_TIMEOUT', message: `no answer within ${options.timeoutMs} ms / ${options.timeoutMs} 毫秒内无应答` };
      if (e instanceof AnswerTooLarge) return { kind: 'failed', code: 'WITNESS_BAD_ANSWER', message: e.message };
      return { kind: 'failed', code: 'WITNESS_UNREACHABLE', message: `unreachable / 无法连接: ${describe(e)}` };
    }
    return readAnswer(status, text);
  };
}

/** Reads an answer's status and body text into an outcome; exported for the tests of odd answers. */
export function readAnswer(status: number, text: string): CosignOutcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return badAnswer(`HTTP ${status} with a body that is not JSON / 应答不是 JSON: ${clip(text)}`);
  }
  const obj = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  if (!obj) return badAnswer(`HTTP ${status} with a body that is not a JSON object / 应答不是 JSON 对象`);
  if (status === 200) {
    if (!('cosignature' in obj)) return badAnswer('HTTP 200 without a cosignature / 200 应答缺少 cosignature');
    return { kind: 'cosigned', cosignature: obj.cosignature };
  }
  if (status < 400 || status > 599 || typeof obj.code !== 'string') return badAnswer(`HTTP ${status} without the contract's { code, message } / 应答不符合约定`);
  const message = clip(typeof obj.message === 'string' ? obj.message : '');
  if (obj.code === 'WITNESS_WRONG_BASE') {
    const size = obj.size;
    if (status !== 409 || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return badAnswer(`WITNESS_WRONG_BASE needs HTTP 409 and a size (a non-negative integer) / WITNESS_WRONG_BASE 须为 409 并给出 size`);
    }
    return { kind: 'wrong-base', size, message };
  }
  // Codes become metric labels and /healthz text: only the contract's own, so a witness cannot invent new series.
  const code = REFUSALS.has(obj.code) ? (obj.code as WitnessRefusalCode) : 'WITNESS_OTHER';
  return { kind: 'refused', code, status, message: code === 'WITNESS_OTHER' ? clip(`${obj.code}: ${message}`) : message };
}

const badAnswer = (message: string): CosignOutcome => ({ kind: 'failed', code: 'WITNESS_BAD_ANSWER', message });

class AnswerTooLarge extends Error {}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge(`answer larger than ${MAX_ANSWER_BYTES} bytes / 应答过大`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Witness text shown in logs and /healthz: one line, bounded. */
export function clip(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return clip([err.cause?.code, err.cause?.message ?? err.message].filter(Boolean).join(' '));
}
