/**
 * A deployed system on a fresh in-process Hardhat network, with named
 * accounts, for the contract tests.
 */
import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import { Contract, type Wallet } from 'ethers';
import {
  contractInterface,
  createEvmAnchor,
  createInProcessChain,
  deployAll,
  registerGateway,
  type ContractName,
  type Deployment,
  type EvmAnchor,
  type InProcessChain,
} from '../src/index.js';
import { ANCHOR_DOMAIN, ContractRevertError, toEvidenceError } from '../src/errors.js';

export interface GatewayIdentity {
  code: string;
  id: string;
  privateKey: string;
  publicKey: string;
  wallet: Wallet;
}

export interface System {
  chain: InProcessChain;
  deployment: Deployment;
  admin: Wallet;
  /** A contract bound to a wallet (or read-only on the provider). */
  contract(name: ContractName, as?: Wallet): Contract;
  /** Registers a gateway with a fresh SM2 key, its account being local account `account`. */
  addGateway(code: string, account: number): Promise<GatewayIdentity>;
  /** Registers a gateway with a fresh SM2 key whose account is `wallet`'s. */
  addGatewayWithWallet(code: string, wallet: Wallet): Promise<GatewayIdentity>;
  /** The Anchor adapter acting as `wallet`. */
  anchorAs(wallet: Wallet): EvmAnchor;
  close(): Promise<void>;
}

export async function deploySystem(): Promise<System> {
  const chain = await createInProcessChain();
  const admin = chain.wallet(0);
  const deployment = await deployAll({ signer: admin });
  async function addGatewayWithWallet(code: string, wallet: Wallet): Promise<GatewayIdentity> {
    const keys = generateSm2KeyPair();
    const id = toHex(entityId(code));
    await registerGateway(
      { signer: admin, address: deployment.contracts.EvidenceAnchor },
      { gateway: id, account: wallet.address, publicKey: keys.publicKey },
    );
    return { code, id, ...keys, wallet };
  }
  return {
    chain,
    deployment,
    admin,
    contract(name, as) {
      return new Contract(deployment.contracts[name], contractInterface(name), as ?? chain.provider);
    },
    addGateway: (code, account) => addGatewayWithWallet(code, chain.wallet(account)),
    addGatewayWithWallet,
    anchorAs(wallet) {
      return createEvmAnchor({
        provider: chain.provider,
        signer: wallet,
        address: deployment.contracts.EvidenceAnchor,
        fromBlock: deployment.block,
      });
    },
    close: () => chain.close(),
  };
}

/** 0x form of core hex. */
export const hex0x = (hex: string): string => `0x${hex}`;

/**
 * Awaits a contract call that must revert and returns the decoded custom error
 * (name and named arguments); fails the test when it succeeds or reverts
 * without a decodable custom error.
 */
export async function expectRevert(
  call: Promise<unknown>,
  name: string,
): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (e) {
    const mapped = toEvidenceError(e, ANCHOR_DOMAIN, 'test');
    if (!(mapped instanceof ContractRevertError)) throw new Error(`expected revert ${name}, got ${String(e)}`);
    if (mapped.revert.name !== name) throw new Error(`expected revert ${name}, got ${mapped.message}`);
    return mapped.revert.args;
  }
  throw new Error(`expected revert ${name}, but the call succeeded`);
}
