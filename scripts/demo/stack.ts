import { readFileSync } from 'node:fs';

/** .local/stack.json as `npm start` writes it (the parts the demo uses). */
export interface Stack {
  rpcUrl: string;
  chainId: number;
  contracts: { EvidenceAnchor: string; ConsentRegistry: string; ClaimVerifier: string; CredentialRegistry: string };
  deploymentBlock: number;
  nodes: { code: string; id: string; url: string }[];
  gateways: { code: string; id: string; url: string; token: string; services: { name: string }[] }[];
  /** Who cosigns the gateways' checkpoints (the routing node and every gateway), and how many each gateway waits for. */
  witnesses: { code: string; id: string; url: string; publicKey: string }[];
  witnessQuorum: number;
}

export function readStack(path: string): Stack {
  let stack: Stack;
  try {
    stack = JSON.parse(readFileSync(path, 'utf8')) as Stack;
  } catch (e) {
    throw new Error(`cannot read ${path}: is \`npm start\` running? / 无法读取 ${path}，请先运行 npm start (${(e as Error).message})`);
  }
  if (!Array.isArray(stack.witnesses) || typeof stack.witnessQuorum !== 'number') {
    throw new Error(`${path} lists no witnesses: it was written by an older npm start; restart it / 描述文件未列出见证方，请重新运行 npm start`);
  }
  if (!Array.isArray(stack.gateways) || stack.gateways.length < 2) {
    throw new Error(`${path} lists fewer than two gateways: the visit needs two institutions (npm start -- --gateways 2) / 需要至少两家机构`);
  }
  return stack;
}

/** A gateway's HTTP API with its development token. */
export class Api {
  constructor(
    readonly code: string,
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Calls and insists on one status; anything else is the step's failure, with the gateway's code and message. */
  async expect<T = Record<string, unknown>>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status !== status) {
      const b = r.body as { code?: string; message?: string } | null;
      throw new Error(`${this.code} ${method} ${path}: ${r.status} ${b?.code ?? ''} ${b?.message ?? JSON.stringify(r.body)}`);
    }
    return r.body;
  }

  record(kind: string, idNumber: string, payload: unknown): Promise<{ id: string }> {
    return this.expect<{ id: string }>(202, 'POST', '/v1/evidence', { kind, subject: { idNumber }, payload });
  }

  /** The proof bundle once the record's batch is anchored (the gateway answers 409 until then). */
  async proof(id: string, disclose = false, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.call(`GET`, `/v1/evidence/${id}/proof${disclose ? '?disclose=true' : ''}`);
      if (r.status === 200) return r.body;
      if (r.status !== 409 || Date.now() > end) throw new Error(`${this.code}: no proof of ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
