import { readFileSync } from 'node:fs';
import { isValidSm2PublicKey } from '@evidence/core';

/** A witness this gateway asks to cosign its checkpoints (WITNESSES). */
export interface WitnessEndpoint {
  /** The witness's registered 32-byte id, lowercase hex: the id its cosignatures must carry. */
  id: string;
  /** Base URL; the gateway POSTs to `{url}/v1/witness/cosign`. No trailing slash. */
  url: string;
  /** The witness's 65-byte SM2 public key, lowercase hex: the only key its cosignatures are kept with. */
  publicKey: string;
  /** A human label (the witness's registered code), shown in /healthz and logs. */
  code?: string;
}

export class WitnessSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`WITNESSES / 见证方配置无效:\n  ${problems.join('\n  ')}`);
    this.name = 'WitnessSettingsError';
  }
}

const FIELDS = new Set(['id', 'url', 'publicKey', 'code']);
const ID_RE = /^[0-9a-f]{64}$/;
const CODE_RE = /^[\p{L}\p{N}._:-]{1,64}$/u;
/** More witnesses than any quorum needs would only multiply the requests each checkpoint costs. */
export const MAX_WITNESSES = 64;

/**
 * Reads the WITNESSES setting: a JSON array
 *   [{ "id": "<hex32>", "url": "http(s)://host:port", "publicKey": "<hex65>", "code"?: "RN-ZJ-01" }]
 * or the path of a file holding one. Everything is checked before the gateway
 * starts, and every problem is listed at once: a witness list with a typo
 * would otherwise show up only as cosignatures that never come.
 * `ownId` is this gateway's id: a gateway cannot witness its own log.
 */
export function readWitnessesSetting(value: string, ownId?: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): WitnessEndpoint[] {
  const text = value.trim();
  let source = 'WITNESSES';
  let json = text;
  if (!text.startsWith('[')) {
    source = `WITNESSES file ${text}`;
    try {
      json = readFile(text);
    } catch (e) {
      throw new WitnessSettingsError([
        `WITNESSES: neither a JSON array nor a readable file (${(e as Error).message}) / 既不是 JSON 数组，也不是可读取的文件`,
      ]);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new WitnessSettingsError([`${source}: not JSON (${(e as Error).message}) / 不是合法 JSON`]);
  }
  if (!Array.isArray(parsed)) throw new WitnessSettingsError([`${source}: must be a JSON array of { id, url, publicKey, code? } / 须为见证方数组`]);
  const problems: string[] = [];
  if (parsed.length > MAX_WITNESSES) problems.push(`${source}: at most ${MAX_WITNESSES} witnesses / 见证方至多 ${MAX_WITNESSES} 个`);
  const out: WitnessEndpoint[] = [];
  const ids = new Map<string, number>();
  parsed.forEach((entry: unknown, i) => {
    const where = `WITNESSES[${i}]`;
    const w = readEntry(entry, where, problems);
    if (!w) return;
    if (ownId !== undefined && w.id === ownId) problems.push(`${where}.id: is this gateway's own id; a gateway cannot witness its own log / 不能把本网关自己列为见证方`);
    const seen = ids.get(w.id);
    if (seen !== undefined) problems.push(`${where}.id: the same witness as WITNESSES[${seen}] / 与 WITNESSES[${seen}] 重复`);
    else ids.set(w.id, i);
    out.push(w);
  });
  if (problems.length > 0) throw new WitnessSettingsError(problems);
  return out;
}

function readEntry(entry: unknown, where: string, problems: string[]): WitnessEndpoint | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${where}: must be an object { id, url, publicKey, code? } / 须为对象`);
    return null;
  }
  const e = entry as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(e)) if (!FIELDS.has(key)) problems.push(`${where}.${key}: unknown field (id, url, publicKey, code) / 未知字段`);
  if (typeof e.id !== 'string' || !ID_RE.test(e.id)) problems.push(`${where}.id: must be the witness's registered id, 64 lowercase hex digits / 须为 64 位小写十六进制`);
  if (!isValidSm2PublicKey(e.publicKey)) problems.push(`${where}.publicKey: must be a 65-byte SM2 public key in lowercase hex (04…), a point on the curve / 须为 SM2 公钥`);
  const url = readUrl(e.url, `${where}.url`, problems);
  if (e.code !== undefined && (typeof e.code !== 'string' || !CODE_RE.test(e.code))) {
    problems.push(`${where}.code: must be 1 to 64 letters, digits, '.', '_', ':' or '-' / 须为 1 至 64 个字母、数字或 . _ : -`);
  }
  if (problems.length > before || url === null) return null;
  const w: WitnessEndpoint = { id: e.id as string, url, publicKey: e.publicKey as string };
  if (e.code !== undefined) w.code = e.code as string;
  return w;
}

function readUrl(value: unknown, where: string, problems: string[]): string | null {
  const bad = (why: string) => {
    problems.push(`${where}: ${why}`);
    return null;
  };
  if (typeof value !== 'string') return bad('must be an http(s) URL / 须为 http(s) 地址');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return bad(`${JSON.stringify(value)} is not a URL / 不是合法地址`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return bad(`must be http:// or https://, not ${u.protocol} / 须为 http 或 https`);
  // fetch refuses URLs with credentials; a query or fragment would be cut off by the path the gateway appends.
  if (u.username || u.password) return bad('must not carry a user name or password / 不得包含用户名或密码');
  if (u.search || u.hash) return bad('must not have a query or fragment / 不得包含查询串或片段');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
