import { createHash, verify, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  Metadata,
  Server,
  ServerCredentials,
  status as grpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import protos from '@hyperledger/fabric-protos';
import type { Endorsed, InMemoryFabric, NetworkIdentity } from './network.js';

const { common, gateway, google, msp, peer } = protos;
const protosRequire = createRequire(createRequire(import.meta.url).resolve('@hyperledger/fabric-protos'));
const { Any } = protosRequire('google-protobuf/google/protobuf/any_pb.js') as {
  Any: new () => { setTypeUrl(u: string): void; setValue(v: Uint8Array): void };
};

type Message = { serializeBinary(): Uint8Array };
type Decoder<T> = { deserializeBinary(bytes: Uint8Array): T };

/** A service method with plain protobuf (de)serialization, without the generated instanceof checks. */
function unary<Req, Res extends Message>(path: string, request: Decoder<Req>) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: Message) => Buffer.from(m.serializeBinary()),
    requestDeserialize: (b: Buffer) => request.deserializeBinary(b),
    responseSerialize: (m: Res) => Buffer.from(m.serializeBinary()),
    responseDeserialize: (b: Buffer) => b as unknown as Res,
  };
}

const SERVICE = {
  evaluate: unary('/gateway.Gateway/Evaluate', gateway.EvaluateRequest),
  endorse: unary('/gateway.Gateway/Endorse', gateway.EndorseRequest),
  submit: unary('/gateway.Gateway/Submit', gateway.SubmitRequest),
  commitStatus: unary('/gateway.Gateway/CommitStatus', gateway.SignedCommitStatusRequest),
} as unknown as ServiceDefinition;

/** A gRPC failure carrying gateway.ErrorDetail entries, as the Fabric Gateway reports them. */
class GatewayFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details: { address: string; mspId: string; message: string }[] = [],
  ) {
    super(message);
  }

  toServiceError(): { code: number; details: string; metadata: Metadata } {
    const statusPb = new google.rpc.Status();
    statusPb.setCode(this.code);
    statusPb.setMessage(this.message);
    statusPb.setDetailsList(
      this.details.map((d) => {
        const detail = new gateway.ErrorDetail();
        detail.setAddress(d.address);
        detail.setMspId(d.mspId);
        detail.setMessage(d.message);
        const any = new Any();
        any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
        any.setValue(detail.serializeBinary());
        return any as never;
      }),
    );
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from(statusPb.serializeBinary()));
    return { code: this.code, details: this.message, metadata };
  }
}

interface DecodedProposal {
  txId: string;
  channel: string;
  chaincode: string;
  timestamp: number;
  identity: NetworkIdentity;
  args: string[];
  proposalBytes: Uint8Array;
  headerBytes: Uint8Array;
  payloadBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
}

export interface GatewayServiceOptions {
  /** TLS for the service: its key pair, and the client CA when clients must present certificates. */
  tls?: { key: string; cert: string; clientCa?: string };
  /**
   * Cut a block every this many ms, as an orderer's BatchTimeout does (2 s by
   * default in Fabric): submitted transactions wait for the next cut, are
   * validated in order then, and their commit status answers only after it.
   * Absent: each transaction is committed as soon as it is submitted.
   */
  batchTimeoutMs?: number;
}

/**
 * The Fabric Gateway service of a peer (gateway.Gateway: Evaluate, Endorse,
 * Submit, CommitStatus) over gRPC on loopback, in front of an InMemoryFabric:
 * what @hyperledger/fabric-gateway's client talks to. It checks what a peer
 * checks of a client: the proposal, transaction and commit-status signatures
 * against the creator's certificate, the creator's MSP, the channel, the
 * chaincode and the transaction id, and answers with the same message shapes
 * (prepared transaction envelope, status details), so the adapter's real
 * connection (TLS, identity, signer) can be tested without a Fabric network.
 */
export class FabricGatewayService {
  private readonly prepared = new Map<string, { proposal: DecodedProposal; outcome: Endorsed }>();
  private readonly statuses = new Map<string, { code: number; blockNumber: number }>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** Transactions ordered but not yet in a block (with a batch timeout). */
  private ordered: { txId: string; outcome: Endorsed }[] = [];
  private cutter: ReturnType<typeof setInterval> | null = null;

  private constructor(
    private readonly server: Server,
    /** host:port it listens on. */
    readonly address: string,
    private readonly fabric: InMemoryFabric,
    batchTimeoutMs?: number,
  ) {
    if (batchTimeoutMs) this.cutter = setInterval(() => this.cutBlock(), batchTimeoutMs);
  }

  static async start(fabric: InMemoryFabric, options: GatewayServiceOptions = {}): Promise<FabricGatewayService> {
    const server = new Server();
    const credentials = options.tls
      ? ServerCredentials.createSsl(
          options.tls.clientCa ? Buffer.from(options.tls.clientCa) : null,
          [{ private_key: Buffer.from(options.tls.key), cert_chain: Buffer.from(options.tls.cert) }],
          Boolean(options.tls.clientCa),
        )
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))));
    const service = new FabricGatewayService(server, `127.0.0.1:${port}`, fabric, options.batchTimeoutMs);
    server.addService(SERVICE, service.handlers());
    return service;
  }

  close(): Promise<void> {
    if (this.cutter) clearInterval(this.cutter);
    this.cutBlock();
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  /** Validates and commits, in order, every transaction ordered since the last cut. */
  private cutBlock(): void {
    const block = this.ordered;
    this.ordered = [];
    for (const { txId, outcome } of block) this.committed(txId, this.fabric.commit(outcome));
  }

  private committed(txId: string, result: { code: number; blockNumber: number }): void {
    this.statuses.set(txId, result);
    for (const wake of this.waiters.get(txId) ?? []) wake();
    this.waiters.delete(txId);
  }

  private handlers(): UntypedServiceImplementation {
    const handle =
      <Req, Res>(fn: (req: Req) => Promise<Res>) =>
      (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
        fn(call.request).then(
          (res) => callback(null, res),
          (e: unknown) => callback(e instanceof GatewayFailure ? e.toServiceError() : { code: grpcStatus.INTERNAL, details: String(e) }),
        );
      };
    return {
      evaluate: handle((req: InstanceType<typeof gateway.EvaluateRequest>) => this.evaluate(req)),
      endorse: handle((req: InstanceType<typeof gateway.EndorseRequest>) => this.endorse(req)),
      submit: handle((req: InstanceType<typeof gateway.SubmitRequest>) => this.submit(req)),
      commitStatus: handle((req: InstanceType<typeof gateway.SignedCommitStatusRequest>) => this.commitStatus(req)),
    };
  }

  private async evaluate(req: InstanceType<typeof gateway.EvaluateRequest>) {
    const p = this.decode(req.getProposedTransaction(), req.getTransactionId(), req.getChannelId(), grpcStatus.UNKNOWN);
    const outcome = await this.fabric.propose(p.identity, p.args[0]!, p.args.slice(1), { txId: p.txId, timestamp: p.timestamp });
    if (!outcome.ok) {
      throw new GatewayFailure(grpcStatus.UNKNOWN, `evaluate call to endorser returned error: ${outcome.detail.message}`, [outcome.detail]);
    }
    const response = new peer.Response();
    response.setStatus(200);
    response.setPayload(outcome.payload);
    const res = new gateway.EvaluateResponse();
    res.setResult(response);
    return res;
  }

  private async endorse(req: InstanceType<typeof gateway.EndorseRequest>) {
    const p = this.decode(req.getProposedTransaction(), req.getTransactionId(), req.getChannelId(), grpcStatus.ABORTED);
    const outcome = await this.fabric.propose(p.identity, p.args[0]!, p.args.slice(1), { txId: p.txId, timestamp: p.timestamp });
    if (!outcome.ok) throw new GatewayFailure(grpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [outcome.detail]);
    this.prepared.set(p.txId, { proposal: p, outcome });
    const res = new gateway.EndorseResponse();
    res.setPreparedTransaction(envelope(p, outcome.payload));
    return res;
  }

  private async submit(req: InstanceType<typeof gateway.SubmitRequest>) {
    const pending = this.prepared.get(req.getTransactionId());
    const env = req.getPreparedTransaction();
    if (!pending || !env) throw new GatewayFailure(grpcStatus.FAILED_PRECONDITION, `transaction ${req.getTransactionId()} was not endorsed here`);
    if (!verifies(pending.proposal.identity, env.getPayload_asU8(), env.getSignature_asU8())) {
      throw new GatewayFailure(grpcStatus.ABORTED, 'the transaction signature does not verify with the creator certificate');
    }
    this.prepared.delete(req.getTransactionId());
    await new Promise((resolve) => setImmediate(resolve)); // ordering
    if (this.cutter) this.ordered.push({ txId: req.getTransactionId(), outcome: pending.outcome });
    else this.committed(req.getTransactionId(), this.fabric.commit(pending.outcome));
    return new gateway.SubmitResponse();
  }

  private async commitStatus(req: InstanceType<typeof gateway.SignedCommitStatusRequest>) {
    const request = gateway.CommitStatusRequest.deserializeBinary(req.getRequest_asU8());
    const identity = identityOf(request.getIdentity_asU8());
    if (!verifies(identity, req.getRequest_asU8(), req.getSignature_asU8())) {
      throw new GatewayFailure(grpcStatus.PERMISSION_DENIED, 'the commit status request signature does not verify');
    }
    const txId = request.getTransactionId();
    // The real service waits for the block that carries the transaction.
    if (!this.statuses.has(txId)) await new Promise<void>((resolve) => this.waiters.set(txId, [...(this.waiters.get(txId) ?? []), resolve]));
    const status = this.statuses.get(txId)!;
    const res = new gateway.CommitStatusResponse();
    res.setResult(status.code as never);
    res.setBlockNumber(status.blockNumber);
    return res;
  }

  /** Decodes and checks a signed proposal as the peer's endorser does. */
  private decode(
    signed: InstanceType<typeof peer.SignedProposal> | undefined,
    txId: string,
    channel: string,
    failure: number,
  ): DecodedProposal {
    const refuse = (message: string): never => {
      throw new GatewayFailure(failure, message, [{ address: 'peer0.org1.example.com:7051', mspId: 'Org1MSP', message }]);
    };
    if (!signed) return refuse('missing proposal');
    const proposalBytes = signed.getProposalBytes_asU8();
    const proposal = peer.Proposal.deserializeBinary(proposalBytes);
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const signatureHeaderBytes = header.getSignatureHeader_asU8();
    const signatureHeader = common.SignatureHeader.deserializeBinary(signatureHeaderBytes);
    const identity = identityOf(signatureHeader.getCreator_asU8());
    if (!verifies(identity, proposalBytes, signed.getSignature_asU8())) {
      refuse("access denied: the creator's signature over the proposal is not valid");
    }
    const expectedTxId = createHash('sha256').update(signatureHeader.getNonce_asU8()).update(signatureHeader.getCreator_asU8()).digest('hex');
    if (channelHeader.getTxId() !== expectedTxId || txId !== expectedTxId) refuse('incorrectly formed transaction id');
    if (channelHeader.getChannelId() !== this.fabric.channel || channel !== this.fabric.channel) refuse(`channel '${channelHeader.getChannelId()}' not found`);
    const extension = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8());
    const chaincode = extension.getChaincodeId()?.getName() ?? '';
    if (chaincode !== this.fabric.chaincodeName) refuse(`chaincode ${chaincode} not found on channel ${this.fabric.channel}`);
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const invocation = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8());
    const args = (invocation.getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
    if (args.length === 0) refuse('no transaction name');
    const ts = channelHeader.getTimestamp();
    return {
      txId: expectedTxId,
      channel: this.fabric.channel,
      chaincode,
      timestamp: ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000) : Date.now(),
      identity,
      args,
      proposalBytes,
      headerBytes: proposal.getHeader_asU8(),
      payloadBytes: proposal.getPayload_asU8(),
      signatureHeaderBytes,
    };
  }
}

function identityOf(serialized: Uint8Array): NetworkIdentity {
  const id = msp.SerializedIdentity.deserializeBinary(serialized);
  return { mspId: id.getMspid(), certificate: Buffer.from(id.getIdBytes_asU8()).toString('utf8') };
}

/** ECDSA over SHA-256 with the certificate's key, as Fabric identities sign. */
function verifies(identity: NetworkIdentity, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', message, new X509Certificate(identity.certificate).publicKey, signature);
  } catch {
    return false;
  }
}

/** The prepared transaction the client signs and submits; fabric-gateway reads the result from it. */
function envelope(p: DecodedProposal, result: Uint8Array): InstanceType<typeof common.Envelope> {
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(result);
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setProposalHash(createHash('sha256').update(p.headerBytes).update(p.payloadBytes).digest());
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(p.payloadBytes);
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setHeader(p.signatureHeaderBytes);
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([txAction]);
  const payload = new common.Payload();
  payload.setHeader(common.Header.deserializeBinary(p.headerBytes));
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env;
}
