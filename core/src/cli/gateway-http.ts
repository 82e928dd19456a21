import type { GatewaySource, ServedBatch } from '../audit/index.js';
import type { BatchHeader } from '../batch/header.js';

/** The gateway could not be asked (down, refused the token, answered nonsense): exit 2, not a finding. */
export class GatewayUnreachable extends Error {
  override name = 'GatewayUnreachable';
}

/**
 * GET of a gateway's JSON API with an optional bearer token: the parsed body
 * of a 200, null for a 404 when `allow404`, GatewayUnreachable for anything
 * else (down, refused, not JSON). The body is the gateway's word, unchecked:
 * callers check its shape.
 */
export function gatewayJson(baseUrl: string, token: string | undefined): (path: string, allow404?: boolean) => Promise<unknown> {
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return async (path, allow404 = false) => {
    let res: Response;
    try {
      res = await fetch(base + path, { headers, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new GatewayUnreachable(`cannot reach the gateway at ${base}: ${(e as Error).message}`);
    }
    if (allow404 && res.status === 404) return null;
    const text = await res.text();
    if (res.status !== 200) throw new GatewayUnreachable(`${base}${path} answered ${res.status}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new GatewayUnreachable(`${base}${path} answered something that is not JSON`);
    }
  };
}

/**
 * A gateway's batch history over its HTTP API (GET /v1/batches, GET
 * /v1/batches/:seq, role auditor/regulator/court). What it answers is what the
 * audit checks; only transport failures and refusals are errors here.
 */
export function httpGatewaySource(baseUrl: string, token: string | undefined): GatewaySource & { identity(): Promise<{ code: string; id: string }> } {
  const base = baseUrl.replace(/\/+$/, '');
  const get = gatewayJson(baseUrl, token);
  return {
    async identity() {
      const body = (await get('/v1/gateway')) as { code?: unknown; id?: unknown };
      return { code: String(body.code), id: String(body.id) };
    },
    async closed() {
      const body = (await get('/v1/batches')) as { closed?: unknown };
      if (!Number.isSafeInteger(body.closed)) throw new GatewayUnreachable(`${base}/v1/batches gave no closed seq`);
      return body.closed as number;
    },
    async batch(seq) {
      const body = (await get(`/v1/batches/${seq}`, true)) as { header?: unknown; signature?: { value?: unknown; publicKey?: unknown } } | null;
      if (body === null) return null;
      const served: ServedBatch = {
        // Checked by the audit itself: a header that does not encode is reported, not thrown.
        header: (typeof body.header === 'object' && body.header !== null ? body.header : {}) as BatchHeader,
        signature: typeof body.signature?.value === 'string' ? body.signature.value : '',
        publicKey: typeof body.signature?.publicKey === 'string' ? body.signature.publicKey : '',
      };
      return served;
    },
  };
}
