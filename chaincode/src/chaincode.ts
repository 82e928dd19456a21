import './logging.js';
import { createRequire } from 'node:module';
import { EvidenceSerializer } from './serializer.js';
import type { ChaincodeInterface } from 'fabric-shim';
import { contracts } from './contracts/index.js';
import { setClockPolicy } from './ledger/clock.js';

const require = createRequire(import.meta.url);

/** fabric-shim's internal class that turns contract classes into a chaincode (what its CLI bootstrap does). */
type ChaincodeFromContractClass = new (
  contracts: unknown[],
  serializers: { transaction: string; serializers: Record<string, unknown> },
  metadata: object,
  title: string,
  version: string,
) => ChaincodeInterface;

const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractClass;

export const CHAINCODE_TITLE = 'evidence-chaincode';
export const CHAINCODE_VERSION = '0.1.0';

/**
 * The chaincode (Init/Invoke) built from this package's contracts with the
 * JSON serializer (see serializer.ts), as `fabric-chaincode-node start|server` would build
 * it from a CommonJS main module. This package is ESM (the core uses top-level
 * await), which that CLI cannot require, so server.ts and the tests call this.
 */
export interface ChaincodeOptions {
  /**
   * Refuse proposals whose timestamp is further than this (ms) from the peer's
   * clock (see ledger/clock.ts). The chaincode server sets 300 000 unless told
   * otherwise; null, the default here, accepts any timestamp.
   */
  maxClockSkewMs?: number | null;
}

export function createChaincode(options: ChaincodeOptions = {}): ChaincodeInterface {
  setClockPolicy({ maxSkewMs: options.maxClockSkewMs ?? null });
  return new ChaincodeFromContract(
    [...contracts], // the constructor appends its system contract to the array it is given
    { transaction: 'evidenceSerializer', serializers: { evidenceSerializer: EvidenceSerializer } },
    {},
    CHAINCODE_TITLE,
    CHAINCODE_VERSION,
  );
}
