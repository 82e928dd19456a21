import { EvidenceError } from '../errors.js';
import { BUNDLE_FORMAT, type ProofBundle } from './types.js';

/**
 * Checks the JSON shape of a proof bundle: the format tag first (failing step
 * "format"), then that every section is present with the right JSON type
 * ("malformed"). Field contents (hex lengths, kinds, algorithms) are the job of
 * the verification steps, so that a bad field is reported at the step the spec
 * names for it.
 */
export function parseBundle(input: unknown): ProofBundle {
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input) as unknown;
    } catch (e) {
      throw new EvidenceError('BUNDLE_MALFORMED', `not JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(input)) throw new EvidenceError('BUNDLE_MALFORMED', 'a proof bundle is a JSON object');
  if (input.format !== BUNDLE_FORMAT) {
    throw new EvidenceError('BUNDLE_BAD_FORMAT', `format must be "${BUNDLE_FORMAT}", got ${JSON.stringify(input.format)}`);
  }
  requireObject(input, 'leaf');
  requireObject(input, 'inclusion');
  requireObject(input, 'batch');
  requireObject(input, 'signature');
  if (!('disclosure' in input)) throw new EvidenceError('BUNDLE_MALFORMED', 'disclosure is missing (null when nothing is disclosed)');
  if (input.disclosure !== null) {
    const d = requireObject(input, 'disclosure');
    if (!('payload' in d)) throw new EvidenceError('BUNDLE_MALFORMED', 'disclosure.payload is missing');
    if (typeof d.salt !== 'string') throw new EvidenceError('BUNDLE_MALFORMED', 'disclosure.salt must be a string');
  }
  const inclusion = input.inclusion as Record<string, unknown>;
  if (typeof inclusion.index !== 'number' || typeof inclusion.size !== 'number') {
    throw new EvidenceError('BUNDLE_MALFORMED', 'inclusion.index and inclusion.size must be numbers');
  }
  if (!Array.isArray(inclusion.path) || !inclusion.path.every((p) => typeof p === 'string')) {
    throw new EvidenceError('BUNDLE_MALFORMED', 'inclusion.path must be an array of hex strings');
  }
  if (inclusion.path.length > 64) throw new EvidenceError('BUNDLE_MALFORMED', 'inclusion.path is longer than any 64-bit tree');
  const signature = input.signature as Record<string, unknown>;
  if (typeof signature.publicKey !== 'string' || typeof signature.value !== 'string') {
    throw new EvidenceError('BUNDLE_MALFORMED', 'signature.publicKey and signature.value must be strings');
  }
  if (input.anchor !== undefined && input.anchor !== null && !isObject(input.anchor)) {
    throw new EvidenceError('BUNDLE_MALFORMED', 'anchor must be an object or null');
  }
  return input as unknown as ProofBundle;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireObject(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (!isObject(v)) throw new EvidenceError('BUNDLE_MALFORMED', `${key} must be an object`);
  return v;
}
