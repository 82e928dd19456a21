import { EVIDENCE_KINDS } from '@evidence/core';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { locationOf } from './claim-package.js';
import { registriesOf, type TxRef } from './registries.js';

export interface GrantRequest {
  evidenceId: string;
  /** The insurer's EVM account. */
  grantee: string;
  /** Kind names the grant covers. */
  kinds: string[];
  /** Defaults to the consent's own expiresAt. */
  expiresAt?: number;
}

interface ConsentPayload {
  action: 'grant' | 'revoke';
  grantee: string;
  scope: string[];
  expiresAt?: number;
  ext?: { granteeAccount?: unknown };
}

/**
 * Writes a patient's recorded consent to ConsentRegistry, from this gateway's
 * account. The recorded consent is the authority: the request may only
 * narrow it. The grantee account must be the one the consent names (its
 * `grantee`, or `ext.granteeAccount` when `grantee` is the insurer's name),
 * every kind must be in its scope, and the expiry may not pass its own. The
 * registry itself checks that the consent leaf is anchored.
 */
export async function grantConsentOnChain(ctx: GatewayContext, req: GrantRequest): Promise<{ expiresAt: number; tx: TxRef }> {
  const view = await ctx.proofs.view(req.evidenceId);
  if (view.leaf.kind !== EVIDENCE_KINDS.consent) {
    throw new GatewayError('EVIDENCE_WRONG_KIND', `evidence ${req.evidenceId} is not a consent (kind 9), it is kind ${view.leaf.kind}`);
  }
  const bundle = await ctx.proofs.bundle(req.evidenceId, false); // PROOF_PENDING until anchored
  const payload = (await ctx.evidence.openPayload(view.record)).payload as ConsentPayload;
  const grantee = req.grantee.toLowerCase();
  const named = [payload.grantee, payload.ext?.granteeAccount].filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());
  if (payload.action !== 'grant') throw new GatewayError('CONSENT_MISMATCH', `evidence ${req.evidenceId} records a revocation, not a grant`);
  if (!named.includes(grantee)) throw new GatewayError('CONSENT_MISMATCH', `the recorded consent does not name the account ${grantee}`);
  const outside = req.kinds.filter((k) => !payload.scope.includes(k));
  if (outside.length > 0) throw new GatewayError('CONSENT_MISMATCH', `the recorded consent's scope (${payload.scope.join(', ')}) does not include ${outside.join(', ')}`);
  const expiresAt = req.expiresAt ?? payload.expiresAt;
  if (expiresAt === undefined) throw new GatewayError('CONSENT_MISMATCH', 'the recorded consent has no expiry: give expiresAt');
  if (payload.expiresAt !== undefined && expiresAt > payload.expiresAt) {
    throw new GatewayError('CONSENT_MISMATCH', `expiresAt ${expiresAt} is after the recorded consent's ${payload.expiresAt}`);
  }
  // A version 2 bundle's location carries its log: the registry then checks the batch through the anchored checkpoint.
  const location = locationOf(bundle);
  const tx = await (await registriesOf(ctx, 'consent')).grantConsent({ consent: view.leaf, location, bundle, grantee, kinds: req.kinds, expiresAt });
  return { expiresAt, tx };
}
