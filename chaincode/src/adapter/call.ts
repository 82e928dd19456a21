import { EvidenceError } from '@evidence/core';
import { toEvidenceError, type ErrorDomain } from './errors.js';
import type { ChaincodePort } from './port.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function parse<T>(bytes: Uint8Array, domain: ErrorDomain, name: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (e) {
    throw new EvidenceError(domain.unavailable, `${name}: the peer returned a result that is not JSON`, { cause: e });
  }
}

/** Submits `name` and returns its JSON result once committed; failures become EvidenceErrors of `domain`. */
export async function submitJson<T>(port: ChaincodePort, domain: ErrorDomain, name: string, ...args: string[]): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await port.submit(name, ...args);
  } catch (e) {
    throw toEvidenceError(e, domain, name);
  }
  return parse<T>(bytes, domain, name);
}

/** Evaluates `name` on a peer and returns its JSON result. */
export async function evaluateJson<T>(port: ChaincodePort, domain: ErrorDomain, name: string, ...args: string[]): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await port.evaluate(name, ...args);
  } catch (e) {
    throw toEvidenceError(e, domain, name);
  }
  return parse<T>(bytes, domain, name);
}
