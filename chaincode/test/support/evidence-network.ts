import {
  encodeLeaf,
  entityId,
  generateSm2KeyPair,
  MerkleTree,
  signCheckpoint,
  signHeader,
  toHex,
  ZERO32,
  type BatchHeader,
  type Leaf,
} from '@evidence/core';
import type { BatchEvidenceItem } from '../../src/adapter/actions/types.js';
import { findRefusal } from '../../src/adapter/errors.js';
import { registerGateway } from '../../src/adapter/actions/register-gateway.js';
import { initLedger } from '../../src/adapter/actions/init-ledger.js';
import { whoAmI } from '../../src/adapter/actions/who-am-i.js';
import { createFabricAnchor, type CheckpointSignatureSource, type FabricAnchor } from '../../src/adapter/fabric-anchor.js';
import type { ChaincodePort } from '../../src/adapter/port.js';
import { createChaincode } from '../../src/chaincode.js';
import { createTestCa, type TestCa, type TestIdentity } from './certificates.js';
import { InMemoryFabric, type Endorser, type InMemoryFabricOptions } from './network.js';

/** A gateway registered on the in-memory network: its code, id, SM2 keys and Fabric identity. */
export interface RegisteredGateway {
  code: string;
  id: string;
  privateKey: string;
  publicKey: string;
  identity: TestIdentity;
  account: string;
  /** The chaincode as this gateway's identity. */
  port: ChaincodePort;
}

export interface EvidenceNetwork {
  fabric: InMemoryFabric;
  ca: TestCa;
  /** The identity that called InitLedger. */
  governor: TestIdentity;
  governorPort: ChaincodePort;
  /** A new client identity of the network's MSP. */
  identity(commonName: string): TestIdentity;
  /** The chaincode as `identity`. */
  portFor(identity: TestIdentity): ChaincodePort;
  /** The Anchor adapter acting as `identity`; it signs checkpoints with `checkpointSignature`, when given. */
  anchorFor(identity: TestIdentity, checkpointSignature?: CheckpointSignatureSource): FabricAnchor;
  /** The Anchor adapter acting as the gateway's identity, signing checkpoints with the gateway's SM2 key. */
  gatewayAnchor(gateway: RegisteredGateway): FabricAnchor;
  /** The account the chaincode derives for `identity` (registry:WhoAmI). */
  accountOf(identity: TestIdentity): Promise<string>;
  /** Registers a gateway for institution `code` with a fresh SM2 key and identity. */
  registerGateway(code: string): Promise<RegisteredGateway>;
  /** Anchors the next SM3 batch of `gateway` holding `leaves`; returns the evidence item of each leaf. */
  anchorLeaves(gateway: RegisteredGateway, leaves: Leaf[]): Promise<AnchoredLeaves>;
}

export interface AnchoredLeaves {
  header: BatchHeader;
  txId: string;
  /** The evidence item (leaf, gateway, seq, inclusion proof) of leaf `i`. */
  item(i: number): BatchEvidenceItem;
}

/**
 * The chaincode's refusal code in what a call threw (e.g. "CLAIM_NO_CONSENT"),
 * whether it came through the adapter or straight from the peer. Fails when the
 * call succeeded or failed for another reason.
 */
export async function refusalOf(p: Promise<unknown>): Promise<string> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error('expected a refusal, but the call succeeded');
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string') return reason;
  const found = findRefusal(error);
  if (!found) throw new Error(`expected a chaincode refusal, got ${String(error)}`);
  return found.reason;
}

export type EvidenceNetworkOptions = Omit<InMemoryFabricOptions, 'msps'> & {
  mspId?: string;
  /** Where the chaincode runs; by default in this process. */
  endorser?: Endorser;
};

/**
 * The chaincode on a one-peer in-memory network with one MSP, initialised by a
 * governor: the starting point of the chaincode's tests and benchmarks.
 */
export async function createEvidenceNetwork(options: EvidenceNetworkOptions = {}): Promise<EvidenceNetwork> {
  const mspId = options.mspId ?? 'Org1MSP';
  const ca = createTestCa(mspId, 'org1.example.com');
  const fabric = new InMemoryFabric(options.endorser ?? createChaincode(), { ...options, msps: [{ mspId, rootCertificate: ca.certificate }] });
  const portFor = (identity: TestIdentity): ChaincodePort => {
    const contract = fabric.contract(identity);
    return { submit: contract.submitTransaction, evaluate: contract.evaluateTransaction };
  };
  const governor = ca.issue({ OU: 'admin', CN: 'governor' });
  const governorPort = portFor(governor);
  await initLedger(governorPort);
  const accountOf = async (identity: TestIdentity) => (await whoAmI(portFor(identity))).account;

  return {
    fabric,
    ca,
    governor,
    governorPort,
    identity: (commonName) => ca.issue({ OU: 'client', CN: commonName }),
    portFor,
    anchorFor: (identity, checkpointSignature) =>
      createFabricAnchor({ port: portFor(identity), channel: fabric.channel, chaincode: fabric.chaincodeName, checkpointSignature }),
    gatewayAnchor: (gateway) =>
      createFabricAnchor({
        port: gateway.port,
        channel: fabric.channel,
        chaincode: fabric.chaincodeName,
        checkpointSignature: (checkpoint) => signCheckpoint(checkpoint, gateway.privateKey),
      }),
    accountOf,
    async registerGateway(code) {
      const identity = ca.issue({ OU: 'client', CN: `gateway-${code}` });
      const keys = generateSm2KeyPair();
      const id = toHex(entityId(code));
      const account = await accountOf(identity);
      await registerGateway(governorPort, { id, code, publicKey: keys.publicKey, account });
      return { code, id, ...keys, identity, account, port: portFor(identity) };
    },
    async anchorLeaves(gateway, leaves) {
      const anchor = createFabricAnchor({ port: gateway.port, channel: fabric.channel, chaincode: fabric.chaincodeName });
      const head = await anchor.latest(gateway.id);
      const tree = MerkleTree.fromLeaves('sm3', leaves.map(encodeLeaf));
      const header: BatchHeader = {
        v: 1,
        gateway: gateway.id,
        seq: head ? head.seq + 1 : 0,
        alg: 'sm3',
        size: leaves.length,
        root: toHex(tree.root),
        prev: head ? head.headerHash : toHex(ZERO32),
        closedAt: Date.now(),
      };
      const receipt = await anchor.anchor(header, signHeader(header, gateway.privateKey, gateway.publicKey));
      return {
        header,
        txId: receipt.txId,
        item: (i) => ({
          gateway: gateway.id,
          seq: header.seq,
          leaf: leaves[i]!,
          inclusion: { index: i, size: leaves.length, path: tree.proof(i).map(toHex) },
        }),
      };
    },
  };
}
