import type { BatchHeader } from '../batch/header.js';
import { fromHex } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import type { HashAlg } from '../hash/alg.js';
import { encodeLeaf, SALT_LENGTH, type Leaf } from '../leaf.js';
import type { Checkpoint } from '../log/checkpoint.js';
import type { Cosignature } from '../log/cosignature.js';
import { algAt, hashPathAt, hexAt, isObject, memberOf, objectAt, publicKeyAt, sizeAt, uintAt, type JsonObject } from './fields.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_V2, type BundleFormat } from './types.js';

/**
 * Readers of the sections of a proof bundle (spec sections 8 and 12), one per
 * group of members that a verification step reads first (spec section 13).
 * Each returns clean typed values (only the members the format defines, so
 * extra members an attacker adds never travel further) or throws the
 * EvidenceError of the first malformed member.
 */

export interface InclusionProof {
  index: number;
  size: number;
  path: Uint8Array[];
}

export interface Sm2SignatureParts {
  publicKey: string;
  value: Uint8Array;
}

/**
 * Step 0, format: a JSON object (or its text) whose format is one of the two
 * versions. Throws BUNDLE_BAD_FORMAT otherwise.
 */
export function readBundleObject(input: unknown): { bundle: JsonObject; format: BundleFormat } {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (e) {
      throw new EvidenceError('BUNDLE_BAD_FORMAT', `not JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(value)) throw new EvidenceError('BUNDLE_BAD_FORMAT', 'a proof bundle is a JSON object');
  const format = value.format;
  if (format !== BUNDLE_FORMAT && format !== BUNDLE_FORMAT_V2) {
    const got = typeof format === 'string' ? JSON.stringify(format) : typeof format;
    throw new EvidenceError('BUNDLE_BAD_FORMAT', `format must be "${BUNDLE_FORMAT}" or "${BUNDLE_FORMAT_V2}", got ${got}`);
  }
  return { bundle: value, format };
}

/** disclosure.payload and disclosure.salt; null when nothing is disclosed (absent and null mean the same). */
export function readDisclosure(bundle: JsonObject): { payload: unknown; salt: Uint8Array } | null {
  const d = bundle.disclosure;
  if (d === undefined || d === null) return null;
  if (!isObject(d)) throw new EvidenceError('BUNDLE_MALFORMED', 'disclosure must be a JSON object, or null when nothing is disclosed');
  // A payload of null is a disclosed JSON value; only an absent member is missing.
  const payload = memberOf(d, 'payload', 'disclosure.payload');
  const salt = fromHex(memberOf(d, 'salt', 'disclosure.salt'), SALT_LENGTH, 'disclosure.salt');
  return { payload, salt };
}

/** leaf.commitment alone, which the disclosure step compares. */
export function readLeafCommitment(bundle: JsonObject): Uint8Array {
  const leaf = objectAt(bundle, 'leaf', 'leaf');
  return fromHex(hexAt(leaf, 'commitment', 32, 'leaf.commitment'), 32);
}

const LEAF_KEYS = ['v', 'kind', 'id', 'gateway', 'subject', 'ts', 'commitment'] as const;

/** The leaf and its 122 bytes; encodeLeaf checks version, kind, hex lengths and integers. */
export function readLeaf(bundle: JsonObject): { leaf: Leaf; bytes: Uint8Array } {
  const o = objectAt(bundle, 'leaf', 'leaf');
  const copy: JsonObject = {};
  for (const key of LEAF_KEYS) copy[key] = memberOf(o, key, `leaf.${key}`);
  const leaf = copy as unknown as Leaf;
  return { leaf, bytes: encodeLeaf(leaf) };
}

/** batch.alg, batch.size and batch.root: what the inclusion step needs of the header. */
export function readBatchTree(bundle: JsonObject): { alg: HashAlg; size: number; root: Uint8Array } {
  const batch = objectAt(bundle, 'batch', 'batch');
  return {
    alg: algAt(batch, 'alg', 'batch.alg'),
    size: sizeAt(batch, 'size', 'batch.size'),
    root: fromHex(hexAt(batch, 'root', 32, 'batch.root'), 32),
  };
}

/** An RFC 9162 inclusion proof object { index, size, path } at `key`. */
export function readInclusion(parent: JsonObject, key: string, where: string): InclusionProof {
  const o = objectAt(parent, key, where);
  return {
    index: uintAt(o, 'index', `${where}.index`),
    size: uintAt(o, 'size', `${where}.size`),
    path: hashPathAt(o, 'path', `${where}.path`),
  };
}

/** The whole batch header, v = 1; its remaining members are first read by the signature step. */
export function readHeader(bundle: JsonObject): BatchHeader {
  const batch = objectAt(bundle, 'batch', 'batch');
  if (memberOf(batch, 'v', 'batch.v') !== 1) throw new EvidenceError('EVIDENCE_BAD_VERSION', 'batch.v must be 1');
  const header: BatchHeader = {
    v: 1,
    gateway: hexAt(batch, 'gateway', 32, 'batch.gateway'),
    seq: uintAt(batch, 'seq', 'batch.seq'),
    alg: algAt(batch, 'alg', 'batch.alg'),
    size: sizeAt(batch, 'size', 'batch.size'),
    root: hexAt(batch, 'root', 32, 'batch.root'),
    prev: hexAt(batch, 'prev', 32, 'batch.prev'),
    closedAt: uintAt(batch, 'closedAt', 'batch.closedAt'),
  };
  return header;
}

/** An SM2 signature object { alg: "sm2", publicKey, value } at `key` (section 13: another alg fails its step). */
export function readSm2Signature(parent: JsonObject, key: string, where: string): Sm2SignatureParts {
  const o = objectAt(parent, key, where);
  if (memberOf(o, 'alg', `${where}.alg`) !== 'sm2') throw new EvidenceError('EVIDENCE_BAD_ALG', `${where}.alg must be "sm2"`);
  return {
    publicKey: publicKeyAt(o, 'publicKey', `${where}.publicKey`),
    value: fromHex(hexAt(o, 'value', 64, `${where}.value`), 64),
  };
}

/** log, log.checkpoint and log.inclusion: what the log step reads. */
export function readLog(bundle: JsonObject): { checkpoint: Checkpoint; inclusion: InclusionProof } {
  const log = objectAt(bundle, 'log', 'log');
  return { checkpoint: readCheckpoint(log, 'checkpoint', 'log.checkpoint'), inclusion: readInclusion(log, 'inclusion', 'log.inclusion') };
}

/** A checkpoint object { gateway, alg, size, root, ts } (spec section 10). */
export function readCheckpoint(parent: JsonObject, key: string, where: string): Checkpoint {
  const o = objectAt(parent, key, where);
  return {
    gateway: hexAt(o, 'gateway', 32, `${where}.gateway`),
    alg: algAt(o, 'alg', `${where}.alg`),
    size: sizeAt(o, 'size', `${where}.size`),
    root: hexAt(o, 'root', 32, `${where}.root`),
    ts: uintAt(o, 'ts', `${where}.ts`),
  };
}

/** log.signature, the gateway's signature over checkpointBytes. */
export function readCheckpointSignature(bundle: JsonObject): Sm2SignatureParts {
  return readSm2Signature(objectAt(bundle, 'log', 'log'), 'signature', 'log.signature');
}

/** log.cosignatures: an array (possibly empty, never absent) of well-formed entries. */
export function readCosignatures(bundle: JsonObject): Cosignature[] {
  const log = objectAt(bundle, 'log', 'log');
  const list = memberOf(log, 'cosignatures', 'log.cosignatures');
  if (!Array.isArray(list)) throw new EvidenceError('BUNDLE_MALFORMED', 'log.cosignatures must be an array (empty when no witness cosigned)');
  return list.map((entry, i) => readCosignature(entry, `log.cosignatures[${i}]`));
}

function readCosignature(entry: unknown, where: string): Cosignature {
  if (!isObject(entry)) throw new EvidenceError('BUNDLE_MALFORMED', `${where} must be a JSON object`);
  return {
    witness: hexAt(entry, 'witness', 32, `${where}.witness`),
    ts: uintAt(entry, 'ts', `${where}.ts`),
    publicKey: publicKeyAt(entry, 'publicKey', `${where}.publicKey`),
    value: hexAt(entry, 'value', 64, `${where}.value`),
  };
}
