import { fromHex, isKnownKind, isValidSm2PublicKey } from '@evidence/core';
import { refuse } from './errors.js';

/*
 * Every transaction argument is a string chosen by whoever signs the proposal,
 * so each is parsed strictly here: exact shapes, no coercion, bounded sizes.
 */

/** Larger arguments are refused before JSON.parse spends time on them. */
export const MAX_ARGUMENT_LENGTH = 256 * 1024;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function jsonArg(text: string, what: string): Json {
  if (typeof text !== 'string') refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be a string`);
  if (text.length > MAX_ARGUMENT_LENGTH) refuse('CHAINCODE_BAD_ARGUMENT', `${what} is longer than ${MAX_ARGUMENT_LENGTH} characters`);
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    return refuse('CHAINCODE_BAD_ARGUMENT', `${what} is not JSON: ${(e as Error).message}`);
  }
}

/** A JSON object holding every `required` key, optionally the `optional` ones, and nothing else. */
export function objectArg(
  value: Json | undefined,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be a JSON object`);
  }
  for (const key of required) {
    if (!(key in value)) refuse('CHAINCODE_BAD_ARGUMENT', `${what}.${key} is missing`);
  }
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) refuse('CHAINCODE_BAD_ARGUMENT', `${what}.${key} is not expected`);
  }
  return value;
}

export function arrayArg(value: Json | undefined, what: string, maxLength: number): Json[] {
  if (!Array.isArray(value)) refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be an array`);
  if (value.length > maxLength) refuse('CHAINCODE_BAD_ARGUMENT', `${what} has more than ${maxLength} entries`);
  return value;
}

/** A decimal unsigned integer up to 2^53-1 given as a string argument ("7", never "07", "7.0" or "0x7"). */
export function uintArg(text: string, what: string): number {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    refuse('EVIDENCE_BAD_INTEGER', `${what} must be a decimal integer in 0..${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(text);
}

/** An unsigned integer inside a JSON argument. */
export function uintField(value: Json | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    refuse('EVIDENCE_BAD_INTEGER', `${what} must be an integer in 0..${Number.MAX_SAFE_INTEGER}`);
  }
  return value;
}

/** Lowercase hex of an exact byte length, returned as the same string (the form kept in state). */
export function hexArg(value: Json | undefined, bytes: number, what: string): string {
  fromHex(value, bytes, what);
  return value as string;
}

export function publicKeyArg(value: Json | undefined, what: string): string {
  if (!isValidSm2PublicKey(value)) refuse('SM2_BAD_PUBLIC_KEY', `${what} is not an uncompressed point on the SM2 curve`);
  return value;
}

export function booleanArg(text: string, what: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be "true" or "false"`);
}

/** A set of evidence kind codes: known (spec section 3), no repeats, non-empty unless allowed; returned sorted. */
export function kindsArg(value: Json | undefined, what: string, options: { allowEmpty?: boolean } = {}): number[] {
  const list = arrayArg(value, what, 12);
  if (list.length === 0 && !options.allowEmpty) refuse('CHAINCODE_BAD_ARGUMENT', `${what} must name at least one evidence kind`);
  const kinds = new Set<number>();
  for (const k of list) {
    if (!isKnownKind(k)) refuse('EVIDENCE_UNKNOWN_KIND', `${what} holds ${JSON.stringify(k)}, which is not an evidence kind of format v1`);
    if (kinds.has(k)) refuse('CHAINCODE_BAD_ARGUMENT', `${what} names kind ${k} twice`);
    kinds.add(k);
  }
  return [...kinds].sort((a, b) => a - b);
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A caller-chosen identifier (claim number, credential number): 1..64 of [A-Za-z0-9._:-], safe in composite keys. */
export function nameArg(value: Json | undefined, what: string): string {
  if (typeof value !== 'string' || !NAME_RE.test(value)) {
    refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be 1 to 64 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit`);
  }
  return value;
}

export function textArg(value: Json | undefined, what: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) {
    refuse('CHAINCODE_BAD_ARGUMENT', `${what} must be a string of at most ${maxLength} characters`);
  }
  return value;
}
