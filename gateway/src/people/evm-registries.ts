import type { Leaf } from '@evidence/core';
import type { ClaimRequest, ConsentOnChain, CredentialRecord, CredentialRole, CredentialState, EvidenceLocation, Registries, TxRef } from './registries.js';

type Write = { signer: unknown; address: string };
type Read = { runner: unknown; address: string };

/** The parts of @evidence/contracts used here, loaded only when a registry is used. */
interface ContractsModule {
  openConnection(o: { rpcUrl: string; privateKey: string }, unavailable: 'CHAIN_UNAVAILABLE'): { ready(): Promise<{ provider: unknown; signer: unknown }>; close(): void };
  grantConsent(c: Write, p: { consent: Leaf; location: EvidenceLocation; grantee: string; kinds: readonly string[]; expiresAt: number }): Promise<TxRef>;
  consentStatus(c: Read, p: { gateway: string; subject: string; grantee: string }): Promise<ConsentOnChain>;
  issueCredential(c: Write, p: { credentialId: string; issuer: string; practitioner: string; role: CredentialRole; licenceDigest: string; validFrom: number; validUntil: number }): Promise<TxRef>;
  suspendCredential(c: Write, p: { credentialId: string; reason?: string }): Promise<TxRef>;
  revokeCredential(c: Write, p: { credentialId: string; reason?: string }): Promise<TxRef>;
  credentialStatus(c: Read, p: { credentialId: string; at?: number }): Promise<CredentialState>;
  credentialOf(c: Read, p: { credentialId: string }): Promise<CredentialRecord | null>;
  isClaimRequestSigned(gatewayId: string, r: ClaimRequest): boolean;
}

/**
 * The Registries port on EVM: the @evidence/contracts actions over one lazy
 * connection, writing from the gateway's account (the one registered for its
 * id, which both registries require). The contracts' own sender serialises
 * and re-syncs nonces, so these writes and the anchor's never collide for long.
 */
export async function openEvmRegistries(o: { rpcUrl: string; privateKey: string; consentRegistry?: string; credentialRegistry?: string }): Promise<Registries> {
  const m = (await import('@evidence/contracts' as string)) as ContractsModule;
  const connection = m.openConnection({ rpcUrl: o.rpcUrl, privateKey: o.privateKey }, 'CHAIN_UNAVAILABLE');
  const write = async (address: string | undefined): Promise<Write> => ({ signer: (await connection.ready()).signer, address: address! });
  const read = async (address: string | undefined): Promise<Read> => ({ runner: (await connection.ready()).provider, address: address! });
  return {
    grantConsent: async (p) => m.grantConsent(await write(o.consentRegistry), p),
    consentStatus: async (p) => m.consentStatus(await read(o.consentRegistry), p),
    issueCredential: async (p) => m.issueCredential(await write(o.credentialRegistry), p),
    suspendCredential: async (p) => m.suspendCredential(await write(o.credentialRegistry), p),
    revokeCredential: async (p) => m.revokeCredential(await write(o.credentialRegistry), p),
    credentialStatus: async (p) => m.credentialStatus(await read(o.credentialRegistry), p),
    credentialOf: async (p) => m.credentialOf(await read(o.credentialRegistry), p),
    isClaimRequestSigned: (gatewayId, r) => m.isClaimRequestSigned(gatewayId, r),
    close: () => connection.close(),
  };
}
