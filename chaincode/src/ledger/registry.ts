import type { Context } from '../fabric.js';
import { refuse, type ChaincodeErrorCode } from './errors.js';
import { caller } from './identity.js';
import { CONFIG_KEY, KEY, key, readJson, scan, sortable } from './state.js';

/** The registry's configuration, written once by InitLedger. */
export interface RegistryConfig {
  v: 1;
  /** Account of the governor: the only caller of registry administration. */
  governor: string;
  initialisedAt: number;
  txId: string;
}

/** A gateway (服务开放设备) of one institution, bound to the Fabric identity that may anchor for it. */
export interface GatewayRecord {
  id: string;
  /** The institution code whose SM3 is `id` (spec section 2), when the governor gave it. */
  code: string | null;
  account: string;
  active: boolean;
  registeredAt: number;
}

/** One entry of a gateway's SM2 key history: valid from batch `fromSeq` until the next entry. */
export interface GatewayKeyRecord {
  fromSeq: number;
  publicKey: string;
  setAt: number;
  txId: string;
}

/** A routing node (服务路由设备): its hop-signing key and the identity bound to it. */
export interface NodeRecord {
  id: string;
  code: string | null;
  account: string;
  active: boolean;
  registeredAt: number;
}

/** One entry of a node's key history: valid from time `from` (ms) until the next entry. */
export interface NodeKeyRecord {
  from: number;
  publicKey: string;
  txId: string;
}

export async function readConfig(ctx: Context): Promise<RegistryConfig | null> {
  return readJson<RegistryConfig>(ctx, CONFIG_KEY);
}

export async function requireGovernor(ctx: Context): Promise<RegistryConfig> {
  const config = await readConfig(ctx);
  if (!config) refuse('REGISTRY_NOT_INITIALISED', 'the registry has no governor yet: call registry:InitLedger first');
  if (caller(ctx).account !== config.governor) refuse('REGISTRY_UNAUTHORIZED', 'only the governor may administer the registry');
  return config;
}

export async function getGateway(ctx: Context, id: string): Promise<GatewayRecord | null> {
  return readJson<GatewayRecord>(ctx, key(ctx, KEY.gateway, [id]));
}

export async function requireGateway(ctx: Context, id: string): Promise<GatewayRecord> {
  const gateway = await getGateway(ctx, id);
  if (!gateway) refuse('ANCHOR_UNKNOWN_GATEWAY', `gateway ${id} is not registered`);
  return gateway;
}

/**
 * The gateway, when the caller is the identity bound to it and it is active.
 * `unauthorized` names the refusal in the caller's domain (anchoring, consent, credentials).
 */
export async function requireGatewayCaller(ctx: Context, id: string, unauthorized: ChaincodeErrorCode): Promise<GatewayRecord> {
  const gateway = await requireGateway(ctx, id);
  if (caller(ctx).account !== gateway.account) refuse(unauthorized, `the caller is not the identity bound to gateway ${id}`);
  if (!gateway.active) refuse(unauthorized, `gateway ${id} is deactivated`);
  return gateway;
}

export async function gatewayKeys(ctx: Context, id: string): Promise<GatewayKeyRecord[]> {
  const keys: GatewayKeyRecord[] = [];
  for await (const entry of scan<GatewayKeyRecord>(ctx, KEY.gatewayKey, [id])) keys.push(entry.value);
  return keys; // key order is fromSeq order (fixed-width decimal)
}

/** The key registered for batch `seq` of a gateway: the last entry with fromSeq <= seq. */
export async function gatewayKeyAt(ctx: Context, id: string, seq: number): Promise<string | null> {
  let found: string | null = null;
  for (const k of await gatewayKeys(ctx, id)) {
    if (k.fromSeq > seq) break;
    found = k.publicKey;
  }
  return found;
}

export function gatewayKeyKey(ctx: Context, id: string, fromSeq: number): string {
  return key(ctx, KEY.gatewayKey, [id, sortable(fromSeq)]);
}

export async function getNode(ctx: Context, id: string): Promise<NodeRecord | null> {
  return readJson<NodeRecord>(ctx, key(ctx, KEY.node, [id]));
}

export async function requireNode(ctx: Context, id: string): Promise<NodeRecord> {
  const node = await getNode(ctx, id);
  if (!node) refuse('REGISTRY_UNKNOWN_NODE', `routing node ${id} is not registered`);
  return node;
}

export async function nodeKeys(ctx: Context, id: string): Promise<NodeKeyRecord[]> {
  const keys: NodeKeyRecord[] = [];
  for await (const entry of scan<NodeKeyRecord>(ctx, KEY.nodeKey, [id])) keys.push(entry.value);
  return keys;
}

export function nodeKeyKey(ctx: Context, id: string, from: number): string {
  return key(ctx, KEY.nodeKey, [id, sortable(from)]);
}
