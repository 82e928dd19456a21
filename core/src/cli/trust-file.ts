import { dirname, isAbsolute, resolve } from 'node:path';
import { isTrustPolicyError, parseTrustPolicy, type TrustPolicy } from '../index.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';

/** Exit 2: a policy the verifier cannot read or use is its own input's fault, not a verdict on the evidence. */
export class PolicyUnusable extends Error {}

/** A trust policy read from a file, with its folder: the Fabric identity paths in it are relative to it. */
export interface LoadedTrust {
  policy: TrustPolicy;
  dir: string;
}

/** Runs a command's setup; a policy it cannot use is said on stderr and gives null (the command exits 2). */
export async function usablePolicySetup<T>(io: CliIo, setup: () => Promise<T>): Promise<T | null> {
  try {
    return await setup();
  } catch (e) {
    if (!(e instanceof PolicyUnusable)) throw e;
    io.stderr(e.message);
    return null;
  }
}

/** A policy file's JSON; one that cannot be read or parsed is PolicyUnusable, named in both languages. */
export async function readPolicyJson(io: CliIo, file: string, name: { zh: string; en: string }): Promise<unknown> {
  try {
    return await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    throw new PolicyUnusable(e.unreadable ? `无法读取${name.zh} cannot read the ${name.en}: ${e.message}` : `${name.zh}无效 invalid ${name.en}: ${e.message}`);
  }
}

export async function loadTrustFile(io: CliIo, file: string): Promise<LoadedTrust> {
  const input = await readPolicyJson(io, file, { zh: '信任策略', en: 'trust policy' });
  try {
    return { policy: parseTrustPolicy(input), dir: dirname(resolve(file)) };
  } catch (e) {
    if (!isTrustPolicyError(e)) throw e;
    throw new PolicyUnusable(`${e.message} [${e.code}] (${file})`);
  }
}

/** A path from the policy, resolved against the policy file's folder. */
export const policyPath = (trust: LoadedTrust, path: string): string => (isAbsolute(path) ? path : resolve(trust.dir, path));
