import {
  consentStatus,
  credentialOf,
  credentialStatus,
  grantConsent,
  isClaimRequestSigned,
  issueCredential,
  openConnection,
  revokeCredential,
  suspendCredential,
  type WriteClient,
} from '@evidence/contracts';
import type { Registries } from '../../ports/registries.js';
import type { EvmSettings } from './settings.js';

/**
 * The Registries port on EVM: the @evidence/contracts actions over one lazy
 * connection, writing from the gateway's account (the one registered for its
 * id, which both registries require). The contracts' own sender serialises
 * and re-syncs nonces, so these writes and the anchor's never collide for long.
 */
export function openEvmRegistries(s: EvmSettings): Registries {
  const connection = openConnection({ rpcUrl: s.rpcUrl, privateKey: s.privateKey }, 'CHAIN_UNAVAILABLE');
  const write = async (address: string | undefined): Promise<WriteClient> => {
    const { signer } = await connection.ready();
    // openConnection was given a private key: it always has a signer.
    return { signer: signer!, address: address! };
  };
  const read = async (address: string | undefined) => ({ runner: (await connection.ready()).provider, address: address! });
  return {
    grantConsent: async (p) => grantConsent(await write(s.consentRegistry), p),
    consentStatus: async (p) => consentStatus(await read(s.consentRegistry), p),
    issueCredential: async (p) => issueCredential(await write(s.credentialRegistry), p),
    suspendCredential: async (p) => suspendCredential(await write(s.credentialRegistry), p),
    revokeCredential: async (p) => revokeCredential(await write(s.credentialRegistry), p),
    credentialStatus: async (p) => credentialStatus(await read(s.credentialRegistry), p),
    credentialOf: async (p) => credentialOf(await read(s.credentialRegistry), p),
    isClaimRequestSigned: (gatewayId, r) => isClaimRequestSigned(gatewayId, r),
    close: () => connection.close(),
  };
}
