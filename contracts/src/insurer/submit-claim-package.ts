import { EvidenceError } from '@evidence/core';
import type { Provider, Signer } from 'ethers';
import { submitClaim, type ClaimVerdict } from '../actions/submit-claim.js';
import { openConnection } from '../connection.js';
import { ContractRevertError } from '../errors.js';
import { parseClaimPackage } from './claim-package.js';

export interface SubmitClaimPackageOptions {
  rpcUrl?: string;
  provider?: Provider;
  /** The insurer's account: a signer, or its private key (0x hex). */
  signer?: Signer;
  privateKey?: string;
  /** Where ClaimVerifier is: a deployment (as scripts/deploy.ts writes it) or its address. */
  deployment?: { contracts: { ClaimVerifier: string } };
  claimVerifier?: string;
}

/** A refusal by ClaimVerifier: the custom error names why (consent expired, evidence already claimed...). */
export interface ClaimRejection {
  verified: false;
  claimId: string;
  code: 'CLAIM_REJECTED';
  /** e.g. "ClaimVerifier__ConsentExpired(item=0, ...)" */
  reason: string;
  revert?: { name: string; args: Record<string, unknown> };
}

export type ClaimPackageVerdict = ClaimVerdict | ClaimRejection;

/**
 * The insurer's one call: checks the package offline (every bundle verified,
 * claim items = disclosed items), submits the claim to ClaimVerifier from the
 * insurer's account and returns the chain's verdict. A refusal by the
 * contract is a verdict ({ verified: false }); a bad package, a signer that is
 * not the insurer the package names, or an unreachable chain throw.
 */
export async function submitClaimPackage(input: unknown, o: SubmitClaimPackageOptions): Promise<ClaimPackageVerdict> {
  const pkg = parseClaimPackage(input);
  const address = o.claimVerifier ?? o.deployment?.contracts.ClaimVerifier;
  if (!address) throw new EvidenceError('DEPLOYMENT_INVALID', 'submitClaimPackage needs deployment or claimVerifier (the ClaimVerifier address)');
  const connection = openConnection(o, 'CHAIN_UNAVAILABLE');
  try {
    const { signer } = await connection.ready();
    if (!signer) throw new EvidenceError('DEPLOYMENT_INVALID', 'submitClaimPackage needs the insurer account: signer or privateKey');
    const account = (await signer.getAddress()).toLowerCase();
    if (account !== pkg.insurer) {
      throw new EvidenceError('CLAIM_PACKAGE_INVALID', `the package was prepared for insurer ${pkg.insurer}, not for ${account}: the patient's consent names the former`);
    }
    try {
      return await submitClaim({ signer, address }, pkg.claim);
    } catch (e) {
      if (e instanceof ContractRevertError && e.code === 'CLAIM_REJECTED') {
        return { verified: false, claimId: pkg.claim.claimId, code: 'CLAIM_REJECTED', reason: e.message, revert: e.revert };
      }
      throw e;
    }
  } finally {
    connection.close();
  }
}
