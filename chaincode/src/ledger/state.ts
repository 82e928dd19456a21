import { jcsString } from '@evidence/core';
import type { Context } from '../fabric.js';
import { clockPolicy } from './clock.js';
import { refuse } from './errors.js';

/*
 * World-state access. Values are JCS (RFC 8785) JSON, so every endorsing peer
 * writes byte-identical values and the read/write sets of a transaction agree
 * across endorsements. Reads see the committed state only: a transaction never
 * reads its own writes (Fabric semantics), so no code here relies on that.
 */

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Object types of the composite keys; together they are the whole state layout. */
export const KEY = {
  gateway: 'gateway', // [gatewayId]
  gatewayKey: 'gateway~key', // [gatewayId, fromSeq]
  head: 'head', // [gatewayId] -> latest {seq, headerHash}
  batch: 'batch', // [gatewayId, seq]
  root: 'root', // [root, gatewayId, seq]
  checkpoint: 'checkpoint', // [gatewayId, size]
  checkpointIndex: 'checkpoint~index', // [gatewayId, index] -> the same record, by anchoring position
  checkpointHead: 'checkpoint~head', // [gatewayId] -> the latest anchored checkpoint
  node: 'node', // [nodeId]
  nodeKey: 'node~key', // [nodeId, fromMs]
  consent: 'consent', // [gatewayId, subject, grantee]
  consentId: 'consent~evidence', // [gatewayId, consentLeafId]
  policy: 'claim~policy', // [insurerAccount]
  claim: 'claim', // [claimId]
  claimed: 'claim~evidence', // [gatewayId, evidenceId]
  credential: 'credential', // [credentialId]
  practitioner: 'credential~practitioner', // [practitioner, credentialId]
} as const;

/** The one simple (non-composite) key: the registry's configuration. */
export const CONFIG_KEY = 'config';

/** Integers in keys are fixed-width decimal so that key order is numeric order. */
export function sortable(n: number): string {
  return n.toString().padStart(16, '0');
}

export function key(ctx: Context, objectType: string, attributes: string[]): string {
  return ctx.stub.createCompositeKey(objectType, attributes);
}

export async function readJson<T>(ctx: Context, stateKey: string): Promise<T | null> {
  const bytes = await ctx.stub.getState(stateKey);
  if (!bytes || bytes.length === 0) return null;
  return JSON.parse(decoder.decode(bytes)) as T;
}

export async function writeJson(ctx: Context, stateKey: string, value: unknown): Promise<void> {
  await ctx.stub.putState(stateKey, encoder.encode(jcsString(value)));
}

/** Every entry under a partial composite key, in key order, with the key's attributes. */
export async function* scan<T>(
  ctx: Context,
  objectType: string,
  attributes: string[],
): AsyncGenerator<{ attributes: string[]; value: T }> {
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(objectType, attributes)) {
    const { attributes: attrs } = ctx.stub.splitCompositeKey(kv.key);
    yield { attributes: attrs, value: JSON.parse(decoder.decode(kv.value)) as T };
  }
}

/** The event of this transaction (Fabric keeps one per transaction: the last one set). */
export function emit(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, encoder.encode(jcsString(payload)));
}

/**
 * "Now" for every rule with a time in it: the transaction timestamp from the
 * signed proposal header, identical on every endorser (never the local clock,
 * which would make endorsements disagree). The client chose it, so a peer
 * configured with a bound refuses one too far from its own clock (clock.ts).
 */
export function now(ctx: Context): number {
  const ms = ctx.stub.getDateTimestamp().getTime();
  if (!Number.isSafeInteger(ms) || ms < 0) refuse('CHAINCODE_BAD_TIMESTAMP', 'the transaction timestamp is not a valid time');
  const { maxSkewMs, local } = clockPolicy;
  if (maxSkewMs !== null) {
    const skew = ms - local();
    if (Math.abs(skew) > maxSkewMs) {
      refuse('CHAINCODE_BAD_TIMESTAMP', `the proposal timestamp is ${skew} ms from this peer's clock, beyond the ${maxSkewMs} ms it accepts`);
    }
  }
  return ms;
}

/** The JSON text a transaction returns: JCS, so that every endorser returns the same bytes. */
export function result(value: unknown): string {
  return jcsString(value);
}
