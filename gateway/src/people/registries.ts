import type { CredentialRecord, CredentialRole, CredentialState, Leaf } from '@evidence/core';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';

/** A transaction that succeeded on chain. */
export interface TxRef {
  txHash: string;
  blockNumber: number;
}

export type { CredentialRecord, CredentialRole, CredentialState } from '@evidence/core';

export interface ConsentOnChain {
  status: 'none' | 'active' | 'expired' | 'revoked';
  kinds: number[];
  expiresAt: number;
  evidenceId: string;
}

export interface ClaimRequest {
  insurer: string;
  evidenceIds: string[];
  claimId?: string;
  issuedAt: number;
  signature: string;
}

/**
 * Where a consent leaf is anchored, as the registries check it: its batch, and
 * for a batch anchored through a checkpoint (a version 2 bundle) the header
 * fields and the batch's inclusion in the anchored log.
 */
export interface EvidenceLocation {
  seq: number;
  index: number;
  size: number;
  path: string[];
  log?: { batchRoot: string; prev: string; closedAt: number; size: number; path: string[] };
}

/**
 * The port to the registries beside the anchor (ConsentRegistry,
 * CredentialRegistry) as the gateway uses them, writing from its own chain
 * account. The EVM adapter is evm-registries.ts.
 */
export interface Registries {
  grantConsent(p: { consent: Leaf; location: EvidenceLocation; grantee: string; kinds: string[]; expiresAt: number }): Promise<TxRef>;
  consentStatus(p: { gateway: string; subject: string; grantee: string }): Promise<ConsentOnChain>;
  issueCredential(p: { credentialId: string; issuer: string; practitioner: string; role: CredentialRole; licenceDigest: string; validFrom: number; validUntil: number }): Promise<TxRef>;
  suspendCredential(p: { credentialId: string; reason?: string }): Promise<TxRef>;
  revokeCredential(p: { credentialId: string; reason?: string }): Promise<TxRef>;
  credentialStatus(p: { credentialId: string; at?: number }): Promise<CredentialState>;
  credentialOf(p: { credentialId: string }): Promise<CredentialRecord | null>;
  /** True when an insurer's claim request is signed (EIP-191) by the account it names. */
  isClaimRequestSigned(gatewayId: string, request: ClaimRequest): boolean;
  close(): void;
}

const opened = new WeakMap<GatewayContext, Promise<Registries>>();

/**
 * The gateway's registries, opened on first use (the chain client library is
 * loaded only then) and shared by every route of this gateway. CHAIN_NOT_CONFIGURED
 * when the settings naming the chain or the registry needed are missing.
 */
export async function registriesOf(ctx: GatewayContext, need: 'consent' | 'credential'): Promise<Registries> {
  const c = ctx.config;
  const address = need === 'consent' ? c.EVM_CONSENT_REGISTRY : c.EVM_CREDENTIAL_REGISTRY;
  const setting = need === 'consent' ? 'EVM_CONSENT_REGISTRY' : 'EVM_CREDENTIAL_REGISTRY';
  if (!c.EVM_RPC_URL || !c.EVM_PRIVATE_KEY || !address) {
    throw new GatewayError('CHAIN_NOT_CONFIGURED', `this gateway has no ${need} registry: set EVM_RPC_URL, EVM_PRIVATE_KEY and ${setting} / 未配置链上登记合约`);
  }
  let registries = opened.get(ctx);
  if (!registries) {
    registries = import('./evm-registries.js').then((m) =>
      m.openEvmRegistries({
        rpcUrl: c.EVM_RPC_URL!,
        privateKey: c.EVM_PRIVATE_KEY!.startsWith('0x') ? c.EVM_PRIVATE_KEY! : `0x${c.EVM_PRIVATE_KEY}`,
        consentRegistry: c.EVM_CONSENT_REGISTRY,
        credentialRegistry: c.EVM_CREDENTIAL_REGISTRY,
      }),
    );
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
