import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { CommitError, EndorseError, GatewayError, StatusCode, type ErrorDetail } from '@hyperledger/fabric-gateway';
import type { ChaincodeInterface } from 'fabric-shim';
import { isIssuedBy } from './certificates.js';
import type { Simulation } from './simulation.js';
import { InMemoryStub, type ProposalContext } from './stub.js';
import { sameVersion, WorldState } from './world-state.js';

/** A client identity as the gateway presents it: MSP id and PEM certificate. */
export interface NetworkIdentity {
  mspId: string;
  certificate: string;
}

/** A chaincode event of a committed (valid) transaction, as block event listeners receive it. */
export interface CommittedEvent {
  blockNumber: number;
  txId: string;
  chaincodeName: string;
  eventName: string;
  payload: Uint8Array;
}

/** The two calls of fabric-gateway's Contract the adapter uses, with the same signatures. */
export interface InMemoryContract {
  submitTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
  evaluateTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
}

export interface InMemoryFabricOptions {
  channel?: string;
  chaincode?: string;
  /** The one endorsing peer: its MSP and the address reported in error details. */
  peer?: { mspId: string; address: string };
  /** The proposal timestamp of each transaction (ms); defaults to Date.now. */
  clock?: () => number;
  /** The channel's MSPs: a creator must hold a certificate issued by its MSP's root. */
  msps?: { mspId: string; rootCertificate: string }[];
  /**
   * fabric-shim logs every failed transaction at "error"; tests refuse many on
   * purpose and check each refusal themselves, so this is off unless asked for.
   */
  logChaincodeErrors?: boolean;
}

const shimLogger = createRequire(import.meta.url)('fabric-shim/lib/logger.js') as { getLogger(name: string): { silent: boolean } };

/** What a peer's chaincode returned for a proposal, with the simulation's read/write set. */
export interface EndorserResponse {
  status: number;
  message?: string;
  payload?: Uint8Array;
  simulation: Simulation;
}

/** Runs a proposal against the committed state: in process (localEndorser), or over the chaincode protocol (ChaincodeStreamPeer). */
export interface Endorser {
  simulate(state: WorldState, proposal: ProposalContext): Promise<EndorserResponse>;
}

/** The chaincode invoked in this process with an InMemoryStub. */
export function localEndorser(chaincode: ChaincodeInterface): Endorser {
  return {
    async simulate(state, proposal) {
      const stub = new InMemoryStub(state, proposal);
      const response = await chaincode.Invoke(stub.asChaincodeStub());
      return { status: response.status, message: response.message, payload: response.payload, simulation: stub.simulation };
    },
  };
}

/** A simulated proposal: endorsed with its result and read/write set, or refused with the peer's message. */
export type ProposalOutcome =
  | { ok: true; txId: string; payload: Uint8Array; simulation: Simulation }
  | { ok: false; txId: string; detail: ErrorDetail };

export type Endorsed = Extract<ProposalOutcome, { ok: true }>;

/** A transaction validation code (peer.TxValidationCode), as CommitError and commit status carry it. */
export type ValidationCode = CommitError['code'];

/**
 * A one-peer Fabric network in memory, for tests: the peer authenticates the
 * creator against the channel's MSPs, simulates the proposal by running the real
 * chaincode (fabric-contract-api dispatch included) on an InMemoryStub, and for a
 * submit orders and validates it (MVCC and phantom checks against the state
 * committed meanwhile) before applying its writes and event. A failed
 * transaction writes nothing. Errors are the fabric-gateway client's own
 * classes, carrying the details a real gateway returns.
 */
export class InMemoryFabric {
  readonly channel: string;
  readonly chaincodeName: string;
  readonly state = new WorldState();
  readonly events: CommittedEvent[] = [];
  private readonly peer: { mspId: string; address: string };
  private readonly clock: () => number;
  private readonly msps = new Map<string, string>();
  /** Creators already validated, as a peer's MSP caches them. */
  private readonly validated = new Map<string, boolean>();
  private height = 0;
  private readonly endorser: Endorser;

  /** `chaincode` runs in this process; an Endorser may run it elsewhere (a chaincode server). */
  constructor(chaincode: ChaincodeInterface | Endorser, options: InMemoryFabricOptions = {}) {
    this.endorser = 'simulate' in chaincode ? chaincode : localEndorser(chaincode);
    this.channel = options.channel ?? 'evidence';
    this.chaincodeName = options.chaincode ?? 'anchor';
    this.peer = options.peer ?? { mspId: 'Org1MSP', address: 'peer0.org1.example.com:7051' };
    this.clock = options.clock ?? Date.now;
    for (const msp of options.msps ?? []) this.msps.set(msp.mspId, msp.rootCertificate);
    shimLogger.getLogger('contracts-spi/chaincodefromcontract.js').silent = !options.logChaincodeErrors;
  }

  /** Number of blocks cut so far (one transaction per block). */
  get blockHeight(): number {
    return this.height;
  }

  addMsp(mspId: string, rootCertificate: string): void {
    this.msps.set(mspId, rootCertificate);
    this.validated.clear();
  }

  /** The chaincode as a fabric-gateway Contract would expose it to `identity`. */
  contract(identity: NetworkIdentity): InMemoryContract {
    return {
      submitTransaction: async (name, ...args) => (await this.submit(identity, name, args)).result,
      evaluateTransaction: (name, ...args) => this.evaluate(identity, name, args),
    };
  }

  /** Runs a query on the peer; its writes, if any, are dropped. */
  async evaluate(identity: NetworkIdentity, name: string, args: string[]): Promise<Uint8Array> {
    const outcome = await this.propose(identity, name, args);
    if (!outcome.ok) {
      const { detail } = outcome;
      throw new GatewayError({
        code: grpcStatus.UNKNOWN,
        details: [detail],
        cause: serviceError(grpcStatus.UNKNOWN, `evaluate call to endorser returned error: ${detail.message}`),
        message: `${grpcStatus.UNKNOWN} UNKNOWN: evaluate call to endorser returned error: ${detail.message}`,
      });
    }
    return outcome.payload;
  }

  /** Endorses, orders and commits a transaction; resolves once it is committed valid. */
  async submit(identity: NetworkIdentity, name: string, args: string[]): Promise<{ result: Uint8Array; txId: string; blockNumber: number }> {
    const outcome = await this.propose(identity, name, args);
    if (!outcome.ok) {
      throw new EndorseError({
        code: grpcStatus.ABORTED,
        details: [outcome.detail],
        cause: serviceError(grpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info'),
        transactionId: outcome.txId,
        message: `${grpcStatus.ABORTED} ABORTED: failed to endorse transaction, see attached details for more info`,
      });
    }
    // Ordering takes time: other transactions may commit between endorsement and validation.
    await new Promise((resolve) => setImmediate(resolve));
    const { code, blockNumber } = this.commit(outcome);
    if (code !== StatusCode.VALID) {
      const name = code === StatusCode.MVCC_READ_CONFLICT ? 'MVCC_READ_CONFLICT' : 'PHANTOM_READ_CONFLICT';
      throw new CommitError({ code, transactionId: outcome.txId, message: `Transaction ${outcome.txId} failed to commit with status code ${code} (${name})` });
    }
    return { result: outcome.payload, txId: outcome.txId, blockNumber };
  }

  /**
   * What the peer does with a proposal: authenticate the creator against the
   * channel's MSPs, then simulate it with the chaincode. `txId` and `timestamp`
   * are the client's when a real client built the proposal.
   */
  async propose(identity: NetworkIdentity, name: string, args: string[], options: { txId?: string; timestamp?: number } = {}): Promise<ProposalOutcome> {
    // As the client computes it: SHA-256 of the nonce and the serialized creator.
    const txId = options.txId ?? createHash('sha256').update(randomBytes(24)).update(identity.mspId).update(identity.certificate).digest('hex');
    const detail = (message: string): ProposalOutcome => ({ ok: false, txId, detail: { address: this.peer.address, mspId: this.peer.mspId, message } });
    if (this.msps.size > 0 && !this.isMember(identity)) {
      return detail(`access denied: channel [${this.channel}] creator org unknown, creator is malformed`);
    }
    const response = await this.endorser.simulate(this.state, {
      channel: this.channel,
      txId,
      timestamp: options.timestamp ?? this.clock(),
      creator: { mspid: identity.mspId, idBytes: new Uint8Array(Buffer.from(identity.certificate)) },
      peerMspId: this.peer.mspId,
      args: [name, ...args].map((a) => new Uint8Array(Buffer.from(a, 'utf8'))),
    });
    if (response.status >= 400) return detail(`chaincode response ${response.status}, ${response.message ?? ''}`);
    return { ok: true, txId, payload: Uint8Array.from(response.payload ?? new Uint8Array()), simulation: response.simulation };
  }

  private isMember(identity: NetworkIdentity): boolean {
    const cacheKey = `${identity.mspId}\n${identity.certificate}`;
    let valid = this.validated.get(cacheKey);
    if (valid === undefined) {
      const root = this.msps.get(identity.mspId);
      valid = root !== undefined && isIssuedBy(identity.certificate, root);
      this.validated.set(cacheKey, valid);
    }
    return valid;
  }

  /**
   * The committing peer's validation of an endorsed proposal in a block of its
   * own: every read must still be at the version simulated, every range read
   * unchanged; only then are its writes and event applied.
   */
  commit({ txId, simulation }: Endorsed): { code: ValidationCode; blockNumber: number } {
    const blockNumber = ++this.height;
    for (const [key, version] of simulation.reads) {
      if (!sameVersion(this.state.get(key)?.version ?? null, version)) return { code: StatusCode.MVCC_READ_CONFLICT, blockNumber };
    }
    for (const range of simulation.ranges) {
      const now = this.state.range(range.startKey, range.endKey);
      const last = range.results[range.results.length - 1];
      const seen = range.exhausted ? now : now.filter(([k]) => last !== undefined && Buffer.compare(Buffer.from(k), Buffer.from(last.key)) <= 0);
      const same =
        seen.length === range.results.length && seen.every(([k, v], i) => k === range.results[i]!.key && sameVersion(v.version, range.results[i]!.version));
      if (!same) return { code: StatusCode.PHANTOM_READ_CONFLICT, blockNumber };
    }
    this.state.apply(simulation.writes, { block: blockNumber, tx: 0 });
    if (simulation.event) {
      this.events.push({ blockNumber, txId, chaincodeName: this.chaincodeName, eventName: simulation.event.name, payload: simulation.event.payload });
    }
    return { code: StatusCode.VALID, blockNumber };
  }
}

function serviceError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${grpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });
}
