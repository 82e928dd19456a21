import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Interface, type InterfaceAbi } from 'ethers';

/** The four deployed contracts. */
export const CONTRACT_NAMES = ['EvidenceAnchor', 'ConsentRegistry', 'ClaimVerifier', 'CredentialRegistry'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];
/** Contracts compiled for the gas benchmark only; never deployed by deployAll. */
export type BenchContractName = 'MerkleProofBaseline' | 'GasProbe' | 'RootStoreBaseline';

export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

const SOURCE_DIR: Record<ContractName | BenchContractName, string> = {
  EvidenceAnchor: 'solidity/EvidenceAnchor.sol',
  ConsentRegistry: 'solidity/ConsentRegistry.sol',
  ClaimVerifier: 'solidity/ClaimVerifier.sol',
  CredentialRegistry: 'solidity/CredentialRegistry.sol',
  MerkleProofBaseline: 'solidity/test/MerkleProofBaseline.sol',
  GasProbe: 'solidity/test/GasProbe.sol',
  RootStoreBaseline: 'solidity/test/RootStoreBaseline.sol',
};

const cache = new Map<string, Artifact>();

/**
 * ABI and bytecode as Hardhat wrote them to contracts/artifacts. Read at run
 * time so the adapter needs ethers and these JSON files, never Hardhat itself;
 * the path is the same from src/ (tests, tsx) and dist/ (built package).
 */
export function loadArtifact(name: ContractName | BenchContractName): Artifact {
  const hit = cache.get(name);
  if (hit) return hit;
  const url = new URL(`../artifacts/${SOURCE_DIR[name]}/${name}.json`, import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new Error(
      `contract artifact ${name} is missing; compile first: npm run compile -w @evidence/contracts ` +
        `(合约未编译，请先运行 npm run compile -w @evidence/contracts)`,
    );
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as Artifact;
  const artifact = { contractName: json.contractName, abi: json.abi, bytecode: json.bytecode };
  cache.set(name, artifact);
  return artifact;
}

const interfaces = new Map<string, Interface>();

export function contractInterface(name: ContractName | BenchContractName): Interface {
  let iface = interfaces.get(name);
  if (!iface) {
    iface = new Interface(loadArtifact(name).abi);
    interfaces.set(name, iface);
  }
  return iface;
}
