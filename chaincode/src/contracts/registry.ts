import { entityId, toHex } from '@evidence/core';
import type { Context } from '../fabric.js';
import { booleanArg, hexArg, jsonArg, objectArg, publicKeyArg, textArg, type JsonObject } from '../ledger/args.js';
import { refuse } from '../ledger/errors.js';
import { caller } from '../ledger/identity.js';
import { getHead } from '../ledger/batches.js';
import { getCheckpointHead } from '../ledger/checkpoints.js';
import {
  gatewayKeyKey,
  gatewayKeys,
  getGateway,
  getNode,
  nodeKeyKey,
  nodeKeys,
  readConfig,
  requireGateway,
  requireGovernor,
  requireNode,
  type GatewayKeyRecord,
  type GatewayRecord,
  type NodeKeyRecord,
  type NodeRecord,
  type RegistryConfig,
} from '../ledger/registry.js';
import { CONFIG_KEY, emit, key, KEY, now, result, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { declareContract, evaluate, submit } from './transaction.js';

/**
 * The registry of gateways and routing nodes. Each is bound to the Fabric
 * identity (an account, see ledger/identity.ts) that may act for it, and keeps
 * the history of its SM2 keys. Administration belongs to the governor: the
 * identity that called InitLedger first, which may hand the role on.
 */
export class RegistryContract extends EvidenceContract {
  constructor() {
    super('registry');
  }

  /** Makes the caller the governor. Call it once, right after the chaincode is committed. */
  async InitLedger(ctx: Context): Promise<string> {
    if (await readConfig(ctx)) refuse('REGISTRY_ALREADY_INITIALISED', 'the registry already has a governor');
    const config: RegistryConfig = { v: 1, governor: caller(ctx).account, initialisedAt: now(ctx), txId: ctx.stub.getTxID() };
    await writeJson(ctx, CONFIG_KEY, config);
    emit(ctx, 'RegistryInitialised', { governor: config.governor });
    return result(config);
  }

  /** Hands the governor role to another account (for example a new administrator certificate subject). */
  async SetGovernor(ctx: Context, account: string): Promise<string> {
    const config = await requireGovernor(ctx);
    const next: RegistryConfig = { ...config, governor: hexArg(account, 32, 'account') };
    await writeJson(ctx, CONFIG_KEY, next);
    emit(ctx, 'GovernorChanged', { previous: config.governor, governor: next.governor });
    return result(next);
  }

  async GetConfig(ctx: Context): Promise<string> {
    return result(await readConfig(ctx));
  }

  /** The caller's MSP id, X.509 identity and account: what an operator gives the governor to be registered. */
  async WhoAmI(ctx: Context): Promise<string> {
    return result(caller(ctx));
  }

  /**
   * Registers a gateway: {id, code?, publicKey, account}. With `code`, id must be
   * SM3(code) (spec section 2). Its first key is valid from seq 0.
   */
  async RegisterGateway(ctx: Context, gateway: string): Promise<string> {
    await requireGovernor(ctx);
    const entry = entityArg(jsonArg(gateway, 'gateway'), 'gateway');
    if (await getGateway(ctx, entry.id)) refuse('REGISTRY_DUPLICATE', `gateway ${entry.id} is already registered`);
    const at = now(ctx);
    const record: GatewayRecord = { id: entry.id, code: entry.code, account: entry.account, active: true, registeredAt: at };
    const firstKey: GatewayKeyRecord = { fromSeq: 0, publicKey: entry.publicKey, setAt: at, txId: ctx.stub.getTxID() };
    await writeJson(ctx, key(ctx, KEY.gateway, [entry.id]), record);
    await writeJson(ctx, gatewayKeyKey(ctx, entry.id, 0), firstKey);
    emit(ctx, 'GatewayRegistered', { gateway: entry.id, account: entry.account, publicKey: entry.publicKey });
    return result({ ...record, keys: [firstKey] });
  }

  /**
   * Rotates a gateway's SM2 key. The new key signs from the batch after the
   * latest anchored one, whether anchored on its own (version 1) or by a
   * checkpoint (version 2, which anchors batches up to size - 1); batches
   * already anchored keep the key they were verified with.
   */
  async RotateGatewayKey(ctx: Context, id: string, publicKey: string): Promise<string> {
    await requireGovernor(ctx);
    hexArg(id, 32, 'id');
    await requireGateway(ctx, id);
    const head = await getHead(ctx, id);
    const checkpoint = await getCheckpointHead(ctx, id);
    const entry: GatewayKeyRecord = {
      fromSeq: Math.max(head ? head.seq + 1 : 0, checkpoint ? checkpoint.size : 0),
      publicKey: publicKeyArg(publicKey, 'publicKey'),
      setAt: now(ctx),
      txId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, gatewayKeyKey(ctx, id, entry.fromSeq), entry);
    emit(ctx, 'GatewayKeyRotated', { gateway: id, fromSeq: entry.fromSeq, publicKey: entry.publicKey });
    return result(entry);
  }

  /** Binds the gateway to another identity (a new certificate subject, or another MSP). */
  async SetGatewayAccount(ctx: Context, id: string, account: string): Promise<string> {
    await requireGovernor(ctx);
    const record = await requireGateway(ctx, hexArg(id, 32, 'id'));
    const next: GatewayRecord = { ...record, account: hexArg(account, 32, 'account') };
    await writeJson(ctx, key(ctx, KEY.gateway, [id]), next);
    emit(ctx, 'GatewayAccountChanged', { gateway: id, previous: record.account, account: next.account });
    return result(next);
  }

  /** Deactivates (or reactivates) a gateway: a deactivated gateway can neither anchor nor record consent or credentials. */
  async SetGatewayActive(ctx: Context, id: string, active: string): Promise<string> {
    await requireGovernor(ctx);
    const record = await requireGateway(ctx, hexArg(id, 32, 'id'));
    const next: GatewayRecord = { ...record, active: booleanArg(active, 'active') };
    await writeJson(ctx, key(ctx, KEY.gateway, [id]), next);
    emit(ctx, next.active ? 'GatewayActivated' : 'GatewayDeactivated', { gateway: id });
    return result(next);
  }

  /** The gateway with its key history, or null. */
  async GetGateway(ctx: Context, id: string): Promise<string> {
    const record = await getGateway(ctx, hexArg(id, 32, 'id'));
    return result(record ? { ...record, keys: await gatewayKeys(ctx, id) } : null);
  }

  /** Registers a routing node: {id, code?, publicKey, account}; its key is valid from now. */
  async RegisterNode(ctx: Context, node: string): Promise<string> {
    await requireGovernor(ctx);
    const entry = entityArg(jsonArg(node, 'node'), 'node');
    if (await getNode(ctx, entry.id)) refuse('REGISTRY_DUPLICATE', `routing node ${entry.id} is already registered`);
    const at = now(ctx);
    const record: NodeRecord = { id: entry.id, code: entry.code, account: entry.account, active: true, registeredAt: at };
    const firstKey: NodeKeyRecord = { from: at, publicKey: entry.publicKey, txId: ctx.stub.getTxID() };
    await writeJson(ctx, key(ctx, KEY.node, [entry.id]), record);
    await writeJson(ctx, nodeKeyKey(ctx, entry.id, at), firstKey);
    emit(ctx, 'NodeRegistered', { node: entry.id, account: entry.account, publicKey: entry.publicKey });
    return result({ ...record, keys: [firstKey] });
  }

  /** Rotates a node's hop-signing key from this transaction's time on; earlier hops keep the old key. */
  async RotateNodeKey(ctx: Context, id: string, publicKey: string): Promise<string> {
    await requireGovernor(ctx);
    await requireNode(ctx, hexArg(id, 32, 'id'));
    const entry: NodeKeyRecord = { from: now(ctx), publicKey: publicKeyArg(publicKey, 'publicKey'), txId: ctx.stub.getTxID() };
    await writeJson(ctx, nodeKeyKey(ctx, id, entry.from), entry);
    emit(ctx, 'NodeKeyRotated', { node: id, from: entry.from, publicKey: entry.publicKey });
    return result(entry);
  }

  async SetNodeActive(ctx: Context, id: string, active: string): Promise<string> {
    await requireGovernor(ctx);
    const record = await requireNode(ctx, hexArg(id, 32, 'id'));
    const next: NodeRecord = { ...record, active: booleanArg(active, 'active') };
    await writeJson(ctx, key(ctx, KEY.node, [id]), next);
    emit(ctx, next.active ? 'NodeActivated' : 'NodeDeactivated', { node: id });
    return result(next);
  }

  /** The node with its key history, or null. */
  async GetNode(ctx: Context, id: string): Promise<string> {
    const record = await getNode(ctx, hexArg(id, 32, 'id'));
    return result(record ? { ...record, keys: await nodeKeys(ctx, id) } : null);
  }
}

declareContract(RegistryContract, { title: 'Evidence registry', description: 'Gateways, routing nodes, their identities and SM2 key history' }, {
  InitLedger: submit(),
  SetGovernor: submit('account'),
  GetConfig: evaluate(),
  WhoAmI: evaluate(),
  RegisterGateway: submit('gateway'),
  RotateGatewayKey: submit('id', 'publicKey'),
  SetGatewayAccount: submit('id', 'account'),
  SetGatewayActive: submit('id', 'active'),
  GetGateway: evaluate('id'),
  RegisterNode: submit('node'),
  RotateNodeKey: submit('id', 'publicKey'),
  SetNodeActive: submit('id', 'active'),
  GetNode: evaluate('id'),
});

interface EntityEntry {
  id: string;
  code: string | null;
  publicKey: string;
  account: string;
}

function entityArg(value: ReturnType<typeof jsonArg>, what: string): EntityEntry {
  const o: JsonObject = objectArg(value, what, ['id', 'publicKey', 'account'], ['code']);
  const id = hexArg(o.id, 32, `${what}.id`);
  let code: string | null = null;
  if (o.code !== undefined) {
    code = textArg(o.code, `${what}.code`, 128);
    if (toHex(entityId(code)) !== id) refuse('CHAINCODE_BAD_ARGUMENT', `${what}.id is not SM3 of ${what}.code (spec section 2)`);
  }
  return { id, code, publicKey: publicKeyArg(o.publicKey, `${what}.publicKey`), account: hexArg(o.account, 32, `${what}.account`) };
}
