import {
  connectFabricGateway,
  credentialStatusAt,
  fabricSettingsFromEnv,
  getConsent,
  getCredential,
  grantConsent,
  issueCredential,
  revokeCredential,
  suspendCredential,
  type ChaincodePort,
  type EvidenceItemInput,
} from '@evidence/chaincode';
import { kindCode, type AnyProofBundle, type CredentialRole, type CredentialState, type ProofBundleV2 } from '@evidence/core';
import { GatewayError } from '../../errors.js';
import type { EvidenceLocation, Registries, TxRef } from '../../ports/registries.js';

/**
 * The Registries port on Fabric: the chaincode's consent and credential
 * contracts, submitted as the gateway's Fabric identity (the one registered
 * for its id). Each write is submitted on its own and answered once committed,
 * with its transaction id and block as the TxRef (txHash is the Fabric txId).
 */
export async function openFabricRegistries(env: Readonly<Record<string, string | undefined>>): Promise<Registries> {
  const settings = fabricSettingsFromEnv(env as Record<string, string | undefined>);
  const connection = await connectFabricGateway(settings);
  const contract = connection.gateway.getNetwork(settings.channel).getContract(settings.chaincode);
  /** A port for one write that remembers where it was committed. */
  const writing = (): { port: ChaincodePort; tx: () => TxRef } => {
    let ref: TxRef | null = null;
    const port: ChaincodePort = {
      evaluate: (name, ...args) => contract.evaluateTransaction(name, ...args),
      submit: async (name, ...args) => {
        const submitted = await contract.submitAsync(name, { arguments: args });
        const status = await submitted.getStatus();
        // Not committed valid: the action turns this into its domain's error, as it does a failed submitTransaction.
        if (!status.successful) throw new Error(`${name}: transaction ${status.transactionId} was not committed valid (code ${status.code})`);
        ref = { txHash: submitted.getTransactionId(), blockNumber: Number(status.blockNumber) };
        return submitted.getResult();
      },
    };
    return { port, tx: () => ref! };
  };
  const write = async (run: (port: ChaincodePort) => Promise<unknown>): Promise<TxRef> => {
    const w = writing();
    await run(w.port);
    return w.tx();
  };
  const read = connection.port;

  return {
    grantConsent: (p) =>
      write((port) =>
        grantConsent(port, { gateway: p.consent.gateway, grantee: p.grantee, kinds: p.kinds.map((k) => kindCode(k)), expiresAt: p.expiresAt, evidence: evidenceItem(p) }),
      ),
    consentStatus: async (p) => {
      const c = await getConsent(read, p.gateway, p.subject, p.grantee);
      return c ? { status: c.status, kinds: c.kinds, expiresAt: c.expiresAt, evidenceId: c.id } : { status: 'none', kinds: [], expiresAt: 0, evidenceId: '' };
    },
    issueCredential: (p) => write((port) => issueCredential(port, { id: p.credentialId, issuer: p.issuer, practitioner: p.practitioner, role: p.role, licenceDigest: p.licenceDigest, validFrom: p.validFrom, validUntil: p.validUntil })),
    suspendCredential: (p) => write((port) => suspendCredential(port, p.credentialId, p.reason ?? '')),
    revokeCredential: (p) => write((port) => revokeCredential(port, p.credentialId, p.reason ?? '')),
    credentialStatus: async (p): Promise<CredentialState> => (await credentialStatusAt(read, p.credentialId, p.at ?? Date.now())).status,
    credentialOf: async (p) => {
      const c = await getCredential(read, p.credentialId);
      return c ? { issuer: c.issuer, practitioner: c.practitioner, role: c.role as CredentialRole, licenceDigest: c.licenceDigest, validFrom: c.validFrom, validUntil: c.validUntil } : null;
    },
    isClaimRequestSigned: () => {
      // Claim-package requests are signed by an insurer's EVM account (EIP-191); a Fabric insurer has an X.509 identity instead.
      throw new GatewayError('CHAIN_NOT_CONFIGURED', 'claim packages for insurers on Fabric are not supported yet: their requests are signed with EVM accounts / Fabric 保险方理赔包尚不支持');
    },
    close: () => connection.close(),
  };
}

/**
 * The consent leaf as the chaincode checks it: the version 2 bundle itself
 * (its batch is anchored through a checkpoint), or for a batch anchored on its
 * own the leaf with its batch and inclusion (version 1).
 */
function evidenceItem(p: { consent: AnyProofBundle['leaf']; location: EvidenceLocation; bundle?: AnyProofBundle }): EvidenceItemInput {
  if (p.bundle?.format === 'evidence-proof/2') {
    const { disclosure: _disclosure, ...bundle } = p.bundle as ProofBundleV2 & { disclosure?: unknown };
    return bundle as ProofBundleV2;
  }
  if (p.location.log) throw new GatewayError('CHAIN_NOT_CONFIGURED', 'a consent anchored through a checkpoint needs its version 2 bundle to be granted on Fabric');
  return { gateway: p.consent.gateway, seq: p.location.seq, leaf: p.consent, inclusion: { index: p.location.index, size: p.location.size, path: p.location.path } };
}
