import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvidenceError } from '@evidence/core';
import { getAddress, isAddress } from 'ethers';
import { CONTRACT_NAMES, type ContractName } from '../artifacts.js';

/** Where the contracts live on one chain: what the gateway and the CLI read. */
export interface Deployment {
  chainId: number;
  contracts: Record<ContractName, string>;
  /** Block of the first deployment transaction (log searches start here). */
  block: number;
  /** The deploying account, holder of the admin, governor and policy roles. */
  deployer: string;
}

/** Checks a parsed deployment file; every field is required and typed. */
export function parseDeployment(value: unknown, source = 'deployment'): Deployment {
  const fail = (why: string): never => {
    throw new EvidenceError('DEPLOYMENT_INVALID', `${source}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.chainId) || (v.chainId as number) <= 0) fail('chainId must be a positive integer');
  if (!Number.isSafeInteger(v.block) || (v.block as number) < 0) fail('block must be a non-negative integer');
  if (typeof v.deployer !== 'string' || !isAddress(v.deployer)) fail('deployer must be an address');
  const c = v.contracts as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) fail('contracts must be an object');
  const contracts = {} as Record<ContractName, string>;
  for (const name of CONTRACT_NAMES) {
    const address = c![name];
    if (typeof address !== 'string' || !isAddress(address)) fail(`contracts.${name} must be an address`);
    contracts[name] = getAddress(address as string).toLowerCase();
  }
  return {
    chainId: v.chainId as number,
    contracts,
    block: v.block as number,
    deployer: getAddress(v.deployer as string).toLowerCase(),
  };
}

/** Reads and checks a deployment file. */
export function loadDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EvidenceError('DEPLOYMENT_INVALID', `cannot read deployment file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EvidenceError('DEPLOYMENT_INVALID', `${path} is not JSON`);
  }
  return parseDeployment(json, path);
}

/** Writes a deployment file atomically (temporary file, then rename). */
export function saveDeployment(path: string, deployment: Deployment): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(tmp, path);
}
