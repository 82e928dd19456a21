import { assertUint, fromHex } from '../encoding/bytes.js';
import { EvidenceError, isEvidenceError } from '../errors.js';
import type { Cosignature } from '../log/cosignature.js';
import { isValidSm2PublicKey } from '../sm2/sm2.js';
import { isObject } from './fields.js';

/** A witness the verifier trusts: its registered 32-byte id and the SM2 key it must cosign with. */
export interface TrustedWitness {
  /** 32-byte id, lowercase hex. */
  id: string;
  /** 65-byte uncompressed SM2 public key, lowercase hex. */
  publicKey: string;
  /** An optional human label (the witness's registered code), shown in reports only. */
  code?: string;
}

/**
 * A verifier's witness policy (spec section 12, step 8): at least `quorum`
 * cosignatures by these witnesses, each with exactly the key named here.
 * The policy is the verifier's own input (a court's or insurer's file), never
 * the bundle's: a bundle names keys, the policy says which keys count.
 */
export interface WitnessPolicy {
  quorum: number;
  witnesses: TrustedWitness[];
}

/**
 * Reads a witness policy in either shape:
 *   { "quorum": 2, "witnesses": [{ "id": "<hex32>", "publicKey": "<hex65>", "code"?: "RN-ZJ-01" }] }  (the CLI's file)
 *   { "quorum": 2, "witnesses": { "<hex32>": "<hex65>" } }                                           (the vectors')
 * Accepts the JSON text or the parsed value. Refuses, with WITNESS_POLICY_INVALID:
 * ids that are not 32 bytes of lowercase hex, keys that are not points on the
 * SM2 curve, an id listed twice, and a quorum that is not an integer in
 * 0 .. the number of witnesses (a larger one could never be met).
 */
export function parseWitnessPolicy(input: unknown): WitnessPolicy {
  try {
    return readPolicy(typeof input === 'string' ? parseJson(input) : input);
  } catch (e) {
    if (isEvidenceError(e) && e.code !== 'WITNESS_POLICY_INVALID') throw invalid(e.message);
    throw e;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid(`not JSON: ${(e as Error).message}`);
  }
}

function readPolicy(v: unknown): WitnessPolicy {
  if (!isObject(v)) throw invalid('a witness policy is a JSON object { "quorum", "witnesses" }');
  if (v.quorum === undefined) throw invalid('quorum is missing');
  const quorum = assertUint(v.quorum, 64, 'quorum');
  const witnesses = readWitnesses(v.witnesses);
  if (quorum > witnesses.length) {
    throw invalid(`quorum ${quorum} exceeds the ${witnesses.length} trusted witnesses: it could never be met`);
  }
  return { quorum, witnesses };
}

function readWitnesses(v: unknown): TrustedWitness[] {
  let list: TrustedWitness[];
  if (Array.isArray(v)) list = v.map((w, i) => readWitnessEntry(w, `witnesses[${i}]`));
  else if (isObject(v)) list = Object.entries(v).map(([id, publicKey]) => checkedWitness(id, publicKey, `witnesses["${id}"]`));
  else throw invalid('witnesses must be an array of { "id", "publicKey" } or an object { id: publicKey }');
  const seen = new Set<string>();
  for (const w of list) {
    if (seen.has(w.id)) throw invalid(`witness ${w.id} is listed twice`);
    seen.add(w.id);
  }
  return list;
}

function readWitnessEntry(w: unknown, where: string): TrustedWitness {
  if (!isObject(w)) throw invalid(`${where} must be an object { "id", "publicKey" }`);
  const witness = checkedWitness(w.id, w.publicKey, where);
  if (w.code !== undefined) {
    if (typeof w.code !== 'string') throw invalid(`${where}.code must be a string`);
    witness.code = w.code;
  }
  return witness;
}

function checkedWitness(id: unknown, publicKey: unknown, where: string): TrustedWitness {
  fromHex(id, 32, `${where}.id`);
  if (!isValidSm2PublicKey(publicKey)) throw invalid(`${where}.publicKey must be 65 bytes of lowercase hex, a point on the SM2 curve`);
  return { id: id as string, publicKey };
}

const invalid = (message: string) => new EvidenceError('WITNESS_POLICY_INVALID', `witness policy: ${message}`);

/** What step 8 found: which cosignatures count toward the quorum, and why the others do not. */
export interface WitnessTally {
  quorum: number;
  /** Ids of trusted witnesses that cosigned with the key the policy names. */
  trusted: string[];
  /** Ids of listed witnesses that cosigned with another key (not counted). */
  wrongKey: string[];
  /** Ids of witnesses the policy does not list (not counted). */
  unknown: string[];
}

/**
 * Counts the cosignatures (already verified, no witness twice) that the policy
 * trusts. A cosignature by a listed id with another key does not count: the
 * bundle chose that key, and anyone can make a key and sign with it.
 */
export function tallyWitnesses(policy: WitnessPolicy, cosignatures: readonly Pick<Cosignature, 'witness' | 'publicKey'>[]): WitnessTally {
  const keys = new Map(policy.witnesses.map((w) => [w.id, w.publicKey]));
  const tally: WitnessTally = { quorum: policy.quorum, trusted: [], wrongKey: [], unknown: [] };
  for (const c of cosignatures) {
    const key = keys.get(c.witness);
    if (key === undefined) tally.unknown.push(c.witness);
    else if (key === c.publicKey) tally.trusted.push(c.witness);
    else tally.wrongKey.push(c.witness);
  }
  return tally;
}
