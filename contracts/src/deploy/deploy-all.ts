import { EvidenceError } from '@evidence/core';
import { ContractFactory, getAddress, type Signer } from 'ethers';
import { loadArtifact, type ContractName } from '../artifacts.js';
import { DOMAINS } from '../actions/client.js';
import { senderFor } from '../sender.js';
import type { Deployment } from './deployment.js';

export interface DeployAllOptions {
  /** Pays for and sends the deployments; it becomes admin, governor and policy admin. */
  signer: Signer;
  /** Another account to hold the admin roles instead. */
  admin?: string;
}

/**
 * Deploys EvidenceAnchor, ConsentRegistry, ClaimVerifier and CredentialRegistry
 * in that order (each later one is wired to the earlier) and returns the
 * deployment record.
 */
export async function deployAll(options: DeployAllOptions): Promise<Deployment> {
  const { signer } = options;
  if (!signer.provider) throw new EvidenceError('DEPLOYMENT_INVALID', 'deployAll needs a signer connected to a provider');
  const deployer = getAddress(await signer.getAddress());
  const admin = getAddress(options.admin ?? deployer);
  const chainId = Number((await signer.provider.getNetwork()).chainId);

  let firstBlock: number | null = null;
  async function deploy(name: ContractName, args: unknown[]): Promise<string> {
    const { abi, bytecode } = loadArtifact(name);
    const tx = await new ContractFactory(abi, bytecode).getDeployTransaction(...args);
    const receipt = await senderFor(signer).send(tx, { action: `deploy ${name}`, domain: DOMAINS[name] });
    if (!receipt.contractAddress) throw new EvidenceError('DEPLOYMENT_INVALID', `deploy ${name}: no contract address in the receipt`);
    firstBlock ??= receipt.blockNumber;
    return receipt.contractAddress.toLowerCase();
  }

  const EvidenceAnchor = await deploy('EvidenceAnchor', [admin]);
  const ConsentRegistry = await deploy('ConsentRegistry', [EvidenceAnchor]);
  const ClaimVerifier = await deploy('ClaimVerifier', [admin, EvidenceAnchor, ConsentRegistry]);
  const CredentialRegistry = await deploy('CredentialRegistry', [EvidenceAnchor]);
  return {
    chainId,
    contracts: { EvidenceAnchor, ConsentRegistry, ClaimVerifier, CredentialRegistry },
    block: firstBlock!,
    deployer: deployer.toLowerCase(),
  };
}
