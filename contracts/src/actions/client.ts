import { EvidenceError } from '@evidence/core';
import { Contract, isAddress, type ContractRunner, type Signer, type TransactionReceipt } from 'ethers';
import { contractInterface, type ContractName } from '../artifacts.js';
import { toEvidenceError, type ErrorDomain } from '../errors.js';
import { senderFor } from '../sender.js';

/** A contract and the signer that acts on it. */
export interface WriteClient {
  signer: Signer;
  /** The contract's address. */
  address: string;
}

/** A contract and anything that can read it (a provider or a connected signer). */
export interface ReadClient {
  runner: ContractRunner;
  address: string;
}

/** What a successful transaction left on chain. */
export interface TxRef {
  txHash: string;
  blockNumber: number;
}

export const DOMAINS: Record<ContractName, ErrorDomain> = {
  EvidenceAnchor: { rejected: 'ANCHOR_REJECTED', unavailable: 'ANCHOR_UNAVAILABLE' },
  ConsentRegistry: { rejected: 'CONSENT_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
  ClaimVerifier: { rejected: 'CLAIM_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
  CredentialRegistry: { rejected: 'CREDENTIAL_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
};

function checkAddress(address: string): string {
  if (typeof address !== 'string' || !isAddress(address)) {
    throw new EvidenceError('DEPLOYMENT_INVALID', `not an EVM address: ${JSON.stringify(address)}`);
  }
  return address;
}

/** Sends `fn(args)` to the contract and resolves with the transaction's reference once it succeeded. */
export async function sendCall(client: WriteClient, name: ContractName, fn: string, args: unknown[]): Promise<TxRef> {
  const receipt = await sendForReceipt(client, name, fn, args);
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/** Sends `fn(args)` through the signer's serialised sender; waits for a successful receipt. */
export async function sendForReceipt(
  client: WriteClient,
  name: ContractName,
  fn: string,
  args: unknown[],
): Promise<TransactionReceipt> {
  const to = checkAddress(client.address);
  const domain = DOMAINS[name];
  let data: string;
  try {
    data = contractInterface(name).encodeFunctionData(fn, args);
  } catch (e) {
    throw new EvidenceError(domain.rejected, `${name}.${fn}: bad arguments: ${(e as Error).message}`, { cause: e });
  }
  return senderFor(client.signer).send({ to, data }, { action: `${name}.${fn}`, domain });
}

/** Calls a view function and returns its decoded result. */
export async function readCall<T>(client: ReadClient, name: ContractName, fn: string, args: unknown[]): Promise<T> {
  const contract = new Contract(checkAddress(client.address), contractInterface(name), client.runner);
  try {
    return (await contract.getFunction(fn).staticCall(...args)) as T;
  } catch (e) {
    throw toEvidenceError(e, DOMAINS[name], `${name}.${fn}`);
  }
}
