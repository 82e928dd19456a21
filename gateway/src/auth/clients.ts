import { readFile } from 'node:fs/promises';
import { isValidSm2PublicKey, sm3, toHex, utf8 } from '@evidence/core';
import { isRole, ROLES, type Role } from './roles.js';

/** A registered caller: a hospital system, an insurer, a regulator, a court... */
export interface Client {
  id: string;
  name: string;
  roles: Role[];
  /** SM2 public key for signed requests (hex 04||x||y). */
  publicKey?: string;
  /** An insurer's EVM account: the grantee patients' consents on chain name (auth/consent-scope.ts). */
  account?: string;
}

/**
 * The clients file (CLIENTS_FILE):
 *   { "clients": [ { "id": "his-01", "name": "HIS", "roles": ["recorder"],
 *                    "publicKey": "04…", "tokenSm3": "<SM3 of a dev token, hex>" },
 *                  { "id": "picc", "roles": ["insurer"], "publicKey": "04…", "account": "0x…" } ] }
 * An insurer-only client sees the records its account's consents cover, nothing else.
 * Only the SM3 digest of a bearer token is kept, so reading the file does not
 * hand out tokens.
 */
interface ClientFileEntry extends Client {
  tokenSm3?: string;
}

export class ClientRegistry {
  private readonly byId = new Map<string, Client>();
  private readonly byTokenDigest = new Map<string, Client>();
  /** Tokens seen valid, so the SM3 of a token is computed once, not per request; unknown tokens are never cached. */
  private readonly knownTokens = new Map<string, Client>();

  constructor(entries: ClientFileEntry[]) {
    for (const e of entries) this.add(e);
  }

  static async fromFile(path: string | undefined, devToken?: string): Promise<ClientRegistry> {
    const entries: ClientFileEntry[] = [];
    if (path) {
      const raw = JSON.parse(await readFile(path, 'utf8')) as { clients?: unknown };
      if (!Array.isArray(raw.clients)) throw new Error(`${path}: expected { "clients": [...] }`);
      entries.push(...raw.clients.map((c, i) => checkEntry(c, `${path}: clients[${i}]`)));
    }
    if (devToken) entries.push({ id: 'dev', name: 'development token (every role) / 开发令牌', roles: [...ROLES], tokenSm3: tokenDigest(devToken) });
    return new ClientRegistry(entries);
  }

  get(id: string): Client | undefined {
    return this.byId.get(id);
  }

  byToken(token: string): Client | undefined {
    const known = this.knownTokens.get(token);
    if (known) return known;
    const client = this.byTokenDigest.get(tokenDigest(token));
    if (client && this.knownTokens.size < 1024) this.knownTokens.set(token, client);
    return client;
  }

  private add(e: ClientFileEntry): void {
    if (this.byId.has(e.id)) throw new Error(`client ${e.id} is registered twice`);
    const client: Client = { id: e.id, name: e.name, roles: e.roles, ...(e.publicKey ? { publicKey: e.publicKey } : {}), ...(e.account ? { account: e.account.toLowerCase() } : {}) };
    this.byId.set(e.id, client);
    if (e.tokenSm3) this.byTokenDigest.set(e.tokenSm3, client);
  }
}

export function tokenDigest(token: string): string {
  return toHex(sm3(utf8(token)));
}

function checkEntry(value: unknown, where: string): ClientFileEntry {
  const c = value as Partial<ClientFileEntry>;
  if (typeof c !== 'object' || c === null) throw new Error(`${where}: not an object`);
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(c.id)) throw new Error(`${where}: id must be 1-64 of [A-Za-z0-9._-]`);
  if (!Array.isArray(c.roles) || c.roles.length === 0 || !c.roles.every(isRole)) {
    throw new Error(`${where}: roles must be a non-empty list of ${ROLES.join(', ')}`);
  }
  if (c.publicKey !== undefined && !isValidSm2PublicKey(c.publicKey)) throw new Error(`${where}: publicKey is not an SM2 public key`);
  if (c.tokenSm3 !== undefined && !/^[0-9a-f]{64}$/.test(c.tokenSm3)) throw new Error(`${where}: tokenSm3 must be 64 hex digits`);
  if (!c.publicKey && !c.tokenSm3) throw new Error(`${where}: needs a publicKey or a tokenSm3`);
  if (c.account !== undefined && (typeof c.account !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(c.account))) throw new Error(`${where}: account must be an EVM address (0x and 40 hex digits)`);
  return { id: c.id, name: typeof c.name === 'string' ? c.name : c.id, roles: c.roles, publicKey: c.publicKey, tokenSm3: c.tokenSm3, account: c.account };
}
