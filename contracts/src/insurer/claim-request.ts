import { EvidenceError } from '@evidence/core';
import { getAddress, verifyMessage, type Signer } from 'ethers';
import { parseClaimPackage, type ClaimPackage } from './claim-package.js';

/** What an insurer asks a gateway for (POST /v1/claims/package), signed with its EVM account. */
export interface ClaimPackageRequest {
  /** The insurer's EVM account, the grantee of the patient's consent. */
  insurer: string;
  evidenceIds: string[];
  /** The claim id to use, 32 bytes hex; the gateway derives one when absent. */
  claimId?: string;
  /** When the insurer signed, ms; the gateway accepts it within its authentication window. */
  issuedAt: number;
  /** EIP-191 personal signature of claimRequestMessage, 0x hex. */
  signature: string;
}

/**
 * The text an insurer signs to ask one gateway for a claim package. It binds
 * the gateway, the insurer's account and the exact evidence ids, so the
 * disclosed payloads go only to the holder of the account the patient's
 * consent names, whatever client credentials the request came with.
 */
export function claimRequestMessage(gatewayId: string, r: Omit<ClaimPackageRequest, 'signature'>): string {
  return [
    'evidence-claim-request/1',
    `gateway:${gatewayId}`,
    `insurer:${r.insurer.toLowerCase()}`,
    `evidence:${r.evidenceIds.join(',')}`,
    `claim:${r.claimId ?? ''}`,
    `issuedAt:${r.issuedAt}`,
  ].join('\n');
}

export async function signClaimRequest(
  signer: Signer,
  gatewayId: string,
  params: { evidenceIds: string[]; claimId?: string; issuedAt?: number },
): Promise<ClaimPackageRequest> {
  const unsigned = {
    insurer: (await signer.getAddress()).toLowerCase(),
    evidenceIds: params.evidenceIds,
    ...(params.claimId ? { claimId: params.claimId } : {}),
    issuedAt: params.issuedAt ?? Date.now(),
  };
  return { ...unsigned, signature: await signer.signMessage(claimRequestMessage(gatewayId, unsigned)) };
}

/** True when the request is signed by the account it names. */
export function isClaimRequestSigned(gatewayId: string, r: ClaimPackageRequest): boolean {
  try {
    return getAddress(verifyMessage(claimRequestMessage(gatewayId, r), r.signature)) === getAddress(r.insurer);
  } catch {
    return false;
  }
}

/**
 * An insurer's system asks a gateway for a claim package: learns the
 * gateway's id, signs the request with its account, and checks the package
 * it gets back (parseClaimPackage) before returning it.
 */
export async function requestClaimPackage(o: {
  gatewayUrl: string;
  /** Bearer token of the insurer's client at that gateway. */
  token: string;
  signer: Signer;
  evidenceIds: string[];
  claimId?: string;
}): Promise<ClaimPackage> {
  const base = o.gatewayUrl.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${o.token}` };
  const who = await getJson(`${base}/v1/gateway`, { headers });
  const request = await signClaimRequest(o.signer, String(who.id), { evidenceIds: o.evidenceIds, claimId: o.claimId });
  const pkg = await getJson(`${base}/v1/claims/package`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return parseClaimPackage(pkg);
}

async function getJson(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new EvidenceError('CHAIN_UNAVAILABLE', `cannot reach ${url}: ${(e as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new EvidenceError('CLAIM_PACKAGE_INVALID', `${url} answered ${res.status} ${String(body.code ?? '')}: ${String(body.message ?? '')}`);
  return body;
}
