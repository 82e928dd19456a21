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

export async function loadTrustFile(io: CliIo, file: string): Promise<LoadedTrust> {
  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    throw new PolicyUnusable(e.unreadable ? `无法读取信任策略 cannot read the trust policy: ${e.message}` : `信任策略无效 invalid trust policy: ${e.message}`);
  }
  try {
    return { policy: parseTrustPolicy(input), dir: dirname(resolve(file)) };
  } catch (e) {
    if (!isTrustPolicyError(e)) throw e;
    throw new PolicyUnusable(`${e.message} [${e.code}] (${file})`);
  }
}

/** A path from the policy, resolved against the policy file's folder. */
export const policyPath = (trust: LoadedTrust, path: string): string => (isAbsolute(path) ? path : resolve(trust.dir, path));
