import { assertRegistry, openRegistries, type RegistryNeed } from '../chains/index.js';
import type { GatewayContext } from '../context.js';
import type { Registries } from '../ports/registries.js';

export type { ClaimRequest, ConsentOnChain, CredentialRecord, CredentialRole, CredentialState, EvidenceLocation, Registries, TxRef } from '../ports/registries.js';

const opened = new WeakMap<GatewayContext, Promise<Registries>>();

/**
 * The gateway's registries, opened on first use (the chain client library is
 * loaded only then) and shared by every route of this gateway. CHAIN_NOT_CONFIGURED
 * when the settings naming the chain or the registry needed are missing.
 */
export async function registriesOf(ctx: GatewayContext, need: RegistryNeed): Promise<Registries> {
  assertRegistry(ctx.config, need);
  let registries = opened.get(ctx);
  if (!registries) {
    registries = openRegistries(ctx.config);
    registries.catch(() => opened.delete(ctx));
    opened.set(ctx, registries);
  }
  return registries;
}

/** Releases the chain client, if one was opened (route plugins call it when the app closes). */
export async function closeRegistries(ctx: GatewayContext): Promise<void> {
  const r = opened.get(ctx);
  opened.delete(ctx);
  if (r) (await r.catch(() => null))?.close();
}
