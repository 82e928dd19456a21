import type { GatewayContext } from '../context.js';
import { GatewayError, isGatewayError } from '../errors.js';
import { registriesOf } from '../people/registries.js';
import type { Client } from './clients.js';

const scopes = new WeakMap<GatewayContext, ConsentScope>();

/** The gateway's consent scope, made on first use. */
export function consentScopeOf(ctx: GatewayContext): ConsentScope {
  let scope = scopes.get(ctx);
  if (!scope) scopes.set(ctx, (scope = new ConsentScope(ctx)));
  return scope;
}

/** What a consent-bound reader asks about: one record's patient and kind. */
export interface ConsentQuestion {
  subject: string;
  kind: number;
}

/**
 * An insurer reads only what patients granted it on chain (ConsentRegistry):
 * a record is visible when the consent of its patient to the insurer's
 * account is active now and covers its kind. Clients with another reading
 * role (court, regulator, auditor...) are not bound. A consent-bound client
 * without an account in the clients file, or a gateway without a consent
 * registry, sees nothing. Answers are kept a few seconds per patient, so a
 * delivery of 256 records costs one chain read per patient, and a revocation
 * takes effect within that time.
 */
export class ConsentScope {
  private readonly cache = new Map<string, { at: number; kinds: number[] | null }>();

  constructor(
    private readonly ctx: GatewayContext,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the client's reads are limited by consents. */
  static binds(client: Pick<Client, 'roles'>): boolean {
    return client.roles.includes('insurer') && client.roles.every((r) => r === 'insurer');
  }

  /** For each question, whether the client may see that record. */
  async visible(client: Pick<Client, 'roles' | 'account'>, questions: readonly ConsentQuestion[]): Promise<boolean[]> {
    if (!ConsentScope.binds(client)) return questions.map(() => true);
    if (!client.account) return questions.map(() => false);
    const out: boolean[] = [];
    for (const q of questions) {
      const kinds = await this.kindsGranted(client.account, q.subject);
      out.push(kinds !== null && kinds.includes(q.kind));
    }
    return out;
  }

  /** Throws CONSENT_NOT_ACTIVE unless the client may see the record. */
  async require(client: Client, q: ConsentQuestion, id: string): Promise<void> {
    const [ok] = await this.visible(client, [q]);
    if (!ok) throw new GatewayError('CONSENT_NOT_ACTIVE', `no active consent on chain lets ${client.id} see evidence ${id} (its patient's grant to ${client.account ?? 'an account'} must cover its kind) / 无有效授权`);
  }

  private async kindsGranted(account: string, subject: string): Promise<number[] | null> {
    const key = `${account.toLowerCase()}:${subject}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.kinds;
    let kinds: number[] | null = null;
    try {
      const registries = await registriesOf(this.ctx, 'consent');
      const consent = await registries.consentStatus({ gateway: this.ctx.gatewayId, subject, grantee: account.toLowerCase() });
      kinds = consent.status === 'active' ? consent.kinds : null;
    } catch (e) {
      // No consent registry configured: nothing is granted. A chain that does not answer is an error, not a refusal.
      if (!(isGatewayError(e) && e.code === 'CHAIN_NOT_CONFIGURED')) throw e;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: this.now(), kinds });
    return kinds;
  }
}
