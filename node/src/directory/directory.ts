import { entityId, fromHex, isValidSm2PublicKey, jcs, sm2Sign, sm2Verify, toHex } from '@evidence/core';
import { RoutingError } from '../errors.js';

/**
 * The network operator's signed key directory, used when no chain is
 * configured. It says which public key belongs to which node or gateway id;
 * routing nodes and gateways verify every hop signature against it.
 *
 *     {
 *       "format": "evidence-directory/1",
 *       "network": "zj-demo",
 *       "version": 3,                   // grows with every re-issue
 *       "issuedAt": 1763800200000,      // ms since the epoch
 *       "entries": [{ "code", "id", "publicKey", "kind": "node" | "gateway", "url"? }],
 *       "signature": "<hex64>"          // SM2 r || s over JCS(the document without "signature")
 *     }
 *
 * The operator's public key is never read from the file: it is configured out
 * of band, since whoever edits the file controls everything inside it.
 */
export const DIRECTORY_FORMAT = 'evidence-directory/1';

export type EntryKind = 'node' | 'gateway';

export interface DirectoryEntry {
  code: string;
  /** SM3(utf8(code)), hex: checked, so an entry cannot claim someone else's id. */
  id: string;
  publicKey: string;
  kind: EntryKind;
  url?: string;
}

export interface DirectoryDocument {
  format: typeof DIRECTORY_FORMAT;
  network: string;
  version: number;
  issuedAt: number;
  entries: DirectoryEntry[];
}

export interface SignedDirectory extends DirectoryDocument {
  signature: string;
}

/** Builds entries from codes and keys, deriving each id from its code. */
export function directoryEntry(code: string, publicKey: string, kind: EntryKind, url?: string): DirectoryEntry {
  const entry: DirectoryEntry = { code, id: toHex(entityId(code)), publicKey, kind };
  if (url !== undefined) entry.url = url;
  return entry;
}

export function signDirectory(doc: DirectoryDocument, operatorPrivateKey: string, operatorPublicKey?: string): SignedDirectory {
  const unsigned = checkDocument(doc);
  const signature = sm2Sign(jcs(unsigned), operatorPrivateKey, operatorPublicKey);
  return { ...unsigned, signature: toHex(signature) };
}

/**
 * Parses and verifies a signed directory. Throws DIRECTORY_MALFORMED for a
 * document that is not a well-formed directory and DIRECTORY_BAD_SIGNATURE when
 * the operator did not sign exactly these bytes.
 */
export function verifyDirectory(input: unknown, operatorPublicKey: string): DirectoryDocument {
  if (!isValidSm2PublicKey(operatorPublicKey)) {
    throw new RoutingError('DIRECTORY_BAD_SIGNATURE', 'the configured operator key is not an SM2 public key');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RoutingError('DIRECTORY_MALFORMED', 'a directory must be a JSON object');
  }
  const { signature, ...rest } = input as Record<string, unknown>;
  const doc = checkDocument(rest);
  let sig: Uint8Array;
  try {
    sig = fromHex(signature, 64, 'directory.signature');
  } catch (e) {
    throw new RoutingError('DIRECTORY_MALFORMED', (e as Error).message);
  }
  if (!sm2Verify(jcs(doc), sig, operatorPublicKey)) {
    throw new RoutingError('DIRECTORY_BAD_SIGNATURE', 'the directory signature does not verify with the operator key');
  }
  return doc;
}

/** Structural checks; returns a copy holding only the known fields. */
function checkDocument(input: unknown): DirectoryDocument {
  const bad = (what: string): never => {
    throw new RoutingError('DIRECTORY_MALFORMED', `directory: ${what}`);
  };
  const d = input as Record<string, unknown>;
  if (d.format !== DIRECTORY_FORMAT) bad(`format must be "${DIRECTORY_FORMAT}"`);
  if (typeof d.network !== 'string' || d.network.length === 0) bad('network must be a non-empty string');
  if (!Number.isSafeInteger(d.version) || (d.version as number) < 0) bad('version must be a non-negative integer');
  if (!Number.isSafeInteger(d.issuedAt) || (d.issuedAt as number) < 0) bad('issuedAt must be a time in ms');
  if (!Array.isArray(d.entries)) bad('entries must be an array');
  const seen = new Set<string>();
  const entries = (d.entries as unknown[]).map((raw, i) => {
    const e = raw as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) bad(`entry ${i} must be an object`);
    if (typeof e.code !== 'string' || e.code.length === 0) bad(`entry ${i}: code must be a non-empty string`);
    const id = toHex(entityId(e.code as string));
    if (e.id !== id) bad(`entry ${i}: id is not SM3 of code "${String(e.code)}"`);
    if (seen.has(id)) bad(`entry ${i}: duplicate code "${String(e.code)}"`);
    seen.add(id);
    if (!isValidSm2PublicKey(e.publicKey)) bad(`entry ${i}: publicKey is not an SM2 public key`);
    if (e.kind !== 'node' && e.kind !== 'gateway') bad(`entry ${i}: kind must be "node" or "gateway"`);
    if (e.url !== undefined && (typeof e.url !== 'string' || !/^https?:\/\//.test(e.url))) bad(`entry ${i}: url must be http(s)`);
    return directoryEntry(e.code as string, e.publicKey as string, e.kind as EntryKind, e.url as string | undefined);
  });
  return {
    format: DIRECTORY_FORMAT,
    network: d.network as string,
    version: d.version as number,
    issuedAt: d.issuedAt as number,
    entries,
  };
}
