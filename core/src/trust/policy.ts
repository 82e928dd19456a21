import { isObject } from '../bundle/fields.js';
import { parseWitnessPolicy, type WitnessPolicy } from '../bundle/policy.js';
import { isEvidenceError } from '../errors.js';
import { isValidSm2PublicKey } from '../sm2/sm2.js';
import { TrustPolicyError, type TrustPolicyErrorCode } from './errors.js';

export const TRUST_FORMAT = 'evidence-trust/1';

/** One registered key of an institution's gateway: valid for batches fromSeq .. toSeq (null: still current). */
export interface InstitutionKey {
  /** 65-byte uncompressed SM2 public key, lowercase hex. */
  publicKey: string;
  fromSeq: number;
  toSeq: number | null;
  /** When the key took effect (ms), for the hops the gateway signs; absent when the registry gives no time. */
  fromTime?: number;
}

/** An institution (互联网医院) a court trusts: its code, name, gateway id and the keys its gateway signs with. */
export interface TrustedInstitution {
  /** The institution's code (e.g. H330100001); its gateway id is SM3(code). Empty when the registry does not name it. */
  code: string;
  /** The name shown in reports (e.g. 浙江省某某医院). */
  name: string;
  /** 32-byte gateway id, lowercase hex. */
  gateway: string;
  keys: InstitutionKey[];
}

/** One registered key of a routing node: valid for hops signed from fromTime (ms) until the next key. */
export interface NodeKey {
  publicKey: string;
  fromTime: number;
}

/** A routing node (服务路由设备) a court trusts to sign hops. */
export interface TrustedNode {
  code: string;
  name: string;
  /** 32-byte node id, lowercase hex. */
  id: string;
  keys: NodeKey[];
}

export interface EvmChainSettings {
  rpcUrl: string;
  chainId: number;
  /** The EvidenceAnchor contract, 0x + 40 hex. */
  contract: string;
}

/** Where a Fabric peer is and as whom to ask it. Paths are relative to the policy file's folder. */
export interface FabricChainSettings {
  peerEndpoint: string;
  peerHostAlias?: string;
  channel: string;
  chaincode: string;
  mspId?: string;
  certPath?: string;
  keyPath?: string;
  /** The peer's TLS root CA (PEM); null for a plaintext development peer. */
  tlsCaPath: string | null;
}

/**
 * What a court or regulator trusts (evidence-trust/1): the chain to ask, the
 * institutions and their keys, the routing nodes and their keys, and the
 * witnesses with a quorum. It is the verifier's input, published by a
 * regulator, never read from a bundle: a bundle names keys, the policy says
 * which keys are whose.
 */
export interface TrustPolicy {
  format: typeof TRUST_FORMAT;
  /** Who published it (shown in reports). */
  issuer?: string;
  /** When it was exported (ms). */
  issuedAt?: number;
  chains: { evm?: EvmChainSettings; fabric?: FabricChainSettings };
  institutions: TrustedInstitution[];
  nodes: TrustedNode[];
  witnesses: WitnessPolicy;
}

/**
 * Reads an evidence-trust/1 policy (JSON text or the parsed value). Refuses,
 * with a TrustPolicyError naming the member and a stable code: another
 * format, ids that are not 32 bytes of lowercase hex, keys not on the SM2
 * curve, an institution or node listed twice, key seq ranges that overlap or
 * run backwards, a chain without its address, a malformed witness policy.
 */
export function parseTrustPolicy(input: unknown): TrustPolicy {
  const v = typeof input === 'string' ? parseJson(input) : input;
  if (!isObject(v)) throw bad('TRUST_NOT_OBJECT', '', 'a trust policy is a JSON object { "format": "evidence-trust/1", ... }');
  if (v.format !== TRUST_FORMAT) throw bad('TRUST_FORMAT', 'format', `must be "${TRUST_FORMAT}"`);
  const policy: TrustPolicy = {
    format: TRUST_FORMAT,
    chains: readChains(v.chains),
    institutions: readList(v.institutions, 'institutions', readInstitution),
    nodes: readList(v.nodes ?? [], 'nodes', readNode),
    witnesses: readWitnesses(v.witnesses),
  };
  if (v.issuer !== undefined) policy.issuer = str(v.issuer, 'issuer');
  if (v.issuedAt !== undefined) policy.issuedAt = uint(v.issuedAt, 'issuedAt');
  unique(policy.institutions.map((i) => i.gateway), 'institutions', 'gateway');
  unique(policy.nodes.map((n) => n.id), 'nodes', 'id');
  return policy;
}

/** True when the value looks like a trust policy rather than a bare witness policy (the page accepts both). */
export function isTrustPolicyShape(v: unknown): boolean {
  return isObject(v) && v.format === TRUST_FORMAT;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw bad('TRUST_NOT_JSON', '', `not JSON: ${(e as Error).message}`);
  }
}

function readChains(v: unknown): TrustPolicy['chains'] {
  if (v === undefined) return {};
  if (!isObject(v)) throw bad('TRUST_CHAIN', 'chains', 'must be an object { "evm"?, "fabric"? }');
  const chains: TrustPolicy['chains'] = {};
  if (v.evm !== undefined) {
    const e = obj(v.evm, 'chains.evm');
    const contract = str(e.contract, 'chains.evm.contract');
    if (!/^0x[0-9a-fA-F]{40}$/.test(contract)) throw bad('TRUST_CHAIN', 'chains.evm.contract', 'must be 0x and 40 hex digits');
    const rpcUrl = str(e.rpcUrl, 'chains.evm.rpcUrl');
    if (!/^https?:\/\//.test(rpcUrl)) throw bad('TRUST_CHAIN', 'chains.evm.rpcUrl', 'must be an http or https URL');
    chains.evm = { rpcUrl, chainId: uint(e.chainId, 'chains.evm.chainId'), contract: contract.toLowerCase() };
  }
  if (v.fabric !== undefined) {
    const f = obj(v.fabric, 'chains.fabric');
    const peerEndpoint = str(f.peerEndpoint, 'chains.fabric.peerEndpoint');
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(peerEndpoint)) {
      throw bad('TRUST_CHAIN', 'chains.fabric.peerEndpoint', 'must be host:port');
    }
    const fabric: FabricChainSettings = {
      peerEndpoint,
      channel: str(f.channel, 'chains.fabric.channel'),
      chaincode: str(f.chaincode, 'chains.fabric.chaincode'),
      tlsCaPath: f.tlsCaPath === null ? null : str(f.tlsCaPath, 'chains.fabric.tlsCaPath'),
    };
    for (const k of ['peerHostAlias', 'mspId', 'certPath', 'keyPath'] as const) {
      if (f[k] !== undefined) fabric[k] = str(f[k], `chains.fabric.${k}`);
    }
    chains.fabric = fabric;
  }
  return chains;
}

function readInstitution(v: unknown, where: string): TrustedInstitution {
  const o = obj(v, where);
  const keys = readList(o.keys, `${where}.keys`, readInstitutionKey);
  if (keys.length === 0) throw bad('TRUST_KEY', `${where}.keys`, 'an institution needs at least one key');
  for (let i = 1; i < keys.length; i++) {
    const prev = keys[i - 1]!;
    // Ranges in seq order and not overlapping: one key per batch, so "whose key signed batch N" has one answer.
    if (prev.toSeq === null || prev.toSeq >= keys[i]!.fromSeq) {
      throw bad('TRUST_KEY_RANGE', `${where}.keys[${i}]`, 'seq ranges must be in order and must not overlap (only the last key may have toSeq null)');
    }
  }
  return { code: optionalStr(o.code, `${where}.code`), name: optionalStr(o.name, `${where}.name`), gateway: id(o.gateway, `${where}.gateway`), keys };
}

function readInstitutionKey(v: unknown, where: string): InstitutionKey {
  const o = obj(v, where);
  const key: InstitutionKey = {
    publicKey: publicKey(o.publicKey, `${where}.publicKey`),
    fromSeq: uint(o.fromSeq, `${where}.fromSeq`),
    toSeq: o.toSeq === null || o.toSeq === undefined ? null : uint(o.toSeq, `${where}.toSeq`),
  };
  if (key.toSeq !== null && key.toSeq < key.fromSeq) throw bad('TRUST_KEY_RANGE', `${where}.toSeq`, 'is below fromSeq');
  if (o.fromTime !== undefined) key.fromTime = uint(o.fromTime, `${where}.fromTime`);
  return key;
}

function readNode(v: unknown, where: string): TrustedNode {
  const o = obj(v, where);
  const keys = readList(o.keys, `${where}.keys`, (k, w) => {
    const ko = obj(k, w);
    return { publicKey: publicKey(ko.publicKey, `${w}.publicKey`), fromTime: uint(ko.fromTime ?? 0, `${w}.fromTime`) };
  });
  if (keys.length === 0) throw bad('TRUST_KEY', `${where}.keys`, 'a node needs at least one key');
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]!.fromTime <= keys[i - 1]!.fromTime) throw bad('TRUST_KEY_RANGE', `${where}.keys[${i}].fromTime`, 'keys must be in time order');
  }
  return { code: optionalStr(o.code, `${where}.code`), name: optionalStr(o.name, `${where}.name`), id: id(o.id, `${where}.id`), keys };
}

function readWitnesses(v: unknown): WitnessPolicy {
  if (v === undefined) return { quorum: 0, witnesses: [] };
  try {
    return parseWitnessPolicy(v);
  } catch (e) {
    if (isEvidenceError(e)) throw bad('TRUST_WITNESSES', 'witnesses', e.message);
    throw e;
  }
}

function readList<T>(v: unknown, where: string, read: (item: unknown, where: string) => T): T[] {
  if (!Array.isArray(v)) throw bad('TRUST_NOT_OBJECT', where, 'must be an array');
  return v.map((item, i) => read(item, `${where}[${i}]`));
}

function unique(values: string[], where: string, what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw bad('TRUST_DUPLICATE', where, `${what} ${v} is listed twice`);
    seen.add(v);
  }
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw bad('TRUST_NOT_OBJECT', where, 'must be an object');
  return v;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw bad('TRUST_NOT_OBJECT', where, 'must be a non-empty string');
  return v;
}

function optionalStr(v: unknown, where: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw bad('TRUST_NOT_OBJECT', where, 'must be a string');
  return v;
}

function uint(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad('TRUST_NOT_OBJECT', where, 'must be a whole number, 0 or more');
  return v;
}

function id(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw bad('TRUST_ID', where, 'must be 32 bytes of lowercase hex');
  return v;
}

function publicKey(v: unknown, where: string): string {
  if (!isValidSm2PublicKey(v)) throw bad('TRUST_KEY', where, 'must be 65 bytes of lowercase hex, a point on the SM2 curve');
  return v;
}

const bad = (code: TrustPolicyErrorCode, where: string, message: string) => new TrustPolicyError(code, where, message);
