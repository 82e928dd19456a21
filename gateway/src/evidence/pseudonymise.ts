import { fromHex, subjectPseudonym, toHex } from '@evidence/core';
import { GatewayError } from '../errors.js';

export type Subject = { idNumber: string } | { pseudonym: string };

export interface Pseudonym {
  hex: string;
  bytes: Uint8Array;
}

/**
 * Pseudonyms of recently seen patients: a patient's visit records a run of
 * events (registration, consultation, prescription, payment...) within
 * minutes. Bounded; the oldest entry goes first. The gateway holds the subject
 * key anyway, so these ID numbers are no more exposed here than in a request.
 */
const PSEUDONYM_CACHE = 4096;
const pseudonyms = new Map<string, Pseudonym>();
let pseudonymKey: Uint8Array | null = null;

/**
 * The subject's pseudonym (spec section 5): HMAC-SM3 of the normalised ID
 * number under the subject key, or a pseudonym the caller computed earlier.
 * The ID number itself is never stored.
 */
export function pseudonymise(subject: Subject, subjectKey: Uint8Array, where: string): Pseudonym {
  if (typeof subject !== 'object' || subject === null) throw new GatewayError('VALIDATION_FAILED', `${where}subject must be an object`);
  if ('pseudonym' in subject) {
    const bytes = fromHex(subject.pseudonym, 32, `${where}subject.pseudonym`);
    return { hex: subject.pseudonym, bytes };
  }
  if (typeof subject.idNumber !== 'string' || subject.idNumber.length === 0) {
    throw new GatewayError('VALIDATION_FAILED', `${where}subject.idNumber must be a non-empty string`);
  }
  // Normalised so "11010519491231002x" and "...002X" name the same patient.
  const idNumber = subject.idNumber.trim().toUpperCase();
  if (pseudonymKey !== subjectKey) {
    // Another gateway's key in this thread (tests): never answer from the other key's entries.
    pseudonyms.clear();
    pseudonymKey = subjectKey;
  }
  let p = pseudonyms.get(idNumber);
  if (p === undefined) {
    const bytes = subjectPseudonym(subjectKey, idNumber);
    p = { hex: toHex(bytes), bytes };
    if (pseudonyms.size >= PSEUDONYM_CACHE) pseudonyms.delete(pseudonyms.keys().next().value!);
    pseudonyms.set(idNumber, p);
  }
  return p;
}
