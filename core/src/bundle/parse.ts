import { toHex } from '../encoding/bytes.js';
import { EvidenceError, isEvidenceError } from '../errors.js';
import { isObject, type JsonObject } from './fields.js';
import {
  readBatchTree,
  readBundleObject,
  readCheckpointSignature,
  readCosignatures,
  readDisclosure,
  readHeader,
  readInclusion,
  readLeaf,
  readLog,
  readSm2Signature,
  type InclusionProof,
  type Sm2SignatureParts,
} from './read.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_V2, type AnchorRef, type AnyProofBundle, type ProofBundle } from './types.js';

/**
 * A typed copy of a proof bundle of either version, with every member the
 * format defines checked for shape and content, in the order the
 * verification steps read them (the same readers verifyBundle uses, so the
 * first malformed member is the one verifyBundle would report). Nothing
 * cryptographic is checked here: use verifyBundle for that, and parseBundle
 * to get typed values from a bundle it accepted.
 *
 * The copy holds only the members the format defines; `disclosure` absent
 * becomes null; `anchor` is passed through when it is an object (it is not
 * authenticated, section 13) and null otherwise.
 * Throws BUNDLE_BAD_FORMAT (not a JSON object, or an unknown format) or
 * BUNDLE_MALFORMED (the first malformed member, named in the message).
 */
export function parseBundle(input: unknown): AnyProofBundle {
  const { bundle, format } = readBundleObject(input);
  try {
    const v1 = readVersion1(bundle);
    if (format === BUNDLE_FORMAT) return v1;
    const { checkpoint, inclusion } = readLog(bundle);
    const log = {
      checkpoint,
      signature: signatureJson(readCheckpointSignature(bundle)),
      inclusion: inclusionJson(inclusion),
      cosignatures: readCosignatures(bundle),
    };
    return { ...v1, format: BUNDLE_FORMAT_V2, log, anchor: v1.anchor ?? null };
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    throw new EvidenceError('BUNDLE_MALFORMED', e.message, { cause: e });
  }
}

function readVersion1(bundle: JsonObject): ProofBundle {
  const disclosure = readDisclosure(bundle);
  const { leaf } = readLeaf(bundle);
  readBatchTree(bundle);
  const inclusion = readInclusion(bundle, 'inclusion', 'inclusion');
  const batch = readHeader(bundle);
  const signature = readSm2Signature(bundle, 'signature', 'signature');
  return {
    format: BUNDLE_FORMAT,
    leaf,
    disclosure: disclosure === null ? null : { payload: disclosure.payload, salt: toHex(disclosure.salt) },
    inclusion: inclusionJson(inclusion),
    batch,
    signature: signatureJson(signature),
    anchor: isObject(bundle.anchor) ? (bundle.anchor as unknown as AnchorRef) : null,
  };
}

const inclusionJson = (p: InclusionProof) => ({ index: p.index, size: p.size, path: p.path.map(toHex) });
const signatureJson = (s: Sm2SignatureParts) => ({ alg: 'sm2' as const, publicKey: s.publicKey, value: toHex(s.value) });
