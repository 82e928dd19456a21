import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Client, credentials as grpcCredentials, type ChannelCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import type protosModule from '@hyperledger/fabric-protos';
import type { Endorser, EndorserResponse } from './network.js';
import { Simulator } from './simulation.js';
import type { ProposalContext } from './stub.js';
import type { WorldState } from './world-state.js';

/*
 * The messages are built with the @hyperledger/fabric-protos copy fabric-shim
 * itself uses (it pins an older one than fabric-gateway): both ends of the
 * stream then share one set of generated classes, whose namespace is global.
 */
const shimRequire = createRequire(createRequire(import.meta.url).resolve('fabric-shim'));
const protosRequire = createRequire(shimRequire.resolve('@hyperledger/fabric-protos'));
const { peer, common, msp, ledger } = shimRequire('@hyperledger/fabric-protos') as typeof protosModule;
const { Timestamp } = protosRequire('google-protobuf/google/protobuf/timestamp_pb.js') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};
type ChaincodeMessage = InstanceType<typeof peer.ChaincodeMessage>;
const Type = peer.ChaincodeMessage.Type;
const CONNECT = '/protos.Chaincode/Connect';

interface Pending {
  simulator: Simulator;
  resolve(r: EndorserResponse): void;
  reject(e: Error): void;
}

/**
 * The peer's side of the chaincode-as-a-service protocol, in process: dials a
 * chaincode server (as a peer's ccaas builder does with connection.json),
 * completes its REGISTER handshake, then runs each proposal as a TRANSACTION
 * message and answers the chaincode's GET_STATE, PUT_STATE, DEL_STATE,
 * GET_STATE_BY_RANGE and QUERY_STATE_CLOSE requests from a WorldState, recording
 * the read/write set as the peer's simulator does. The chaincode on the other
 * end runs with fabric-shim's real ChaincodeStub, built from the signed proposal.
 */
export class ChaincodeStreamPeer implements Endorser {
  private readonly pending = new Map<string, Pending>();

  private constructor(
    private readonly client: Client,
    private readonly stream: ClientDuplexStream<ChaincodeMessage, ChaincodeMessage>,
    /** The chaincode id the server registered with (its CHAINCODE_ID). */
    readonly chaincodeId: string,
  ) {
    stream.on('data', (msg: ChaincodeMessage) => this.onMessage(msg));
    stream.on('error', (e: Error) => this.failAll(e));
    stream.on('end', () => this.failAll(new Error('the chaincode server closed the stream')));
  }

  /** Connects and completes the handshake: REGISTER from the chaincode, REGISTERED and READY from us. */
  static connect(address: string, options: { credentials?: ChannelCredentials; serverName?: string } = {}): Promise<ChaincodeStreamPeer> {
    const grpcOptions = options.serverName ? { 'grpc.ssl_target_name_override': options.serverName } : {};
    const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure(), grpcOptions);
    const stream = client.makeBidiStreamRequest<ChaincodeMessage, ChaincodeMessage>(
      CONNECT,
      (m) => Buffer.from(m.serializeBinary()),
      (b) => peer.ChaincodeMessage.deserializeBinary(b),
    );
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      stream.once('error', onError);
      stream.once('data', (msg: ChaincodeMessage) => {
        stream.off('error', onError);
        if (msg.getType() !== Type.REGISTER) {
          reject(new Error(`expected REGISTER from the chaincode, got message type ${msg.getType()}`));
          return;
        }
        const id = peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName();
        stream.write(message(Type.REGISTERED, new Uint8Array(), '', ''));
        stream.write(message(Type.READY, new Uint8Array(), '', ''));
        resolve(new ChaincodeStreamPeer(client, stream, id));
      });
    });
  }

  simulate(state: WorldState, proposal: ProposalContext): Promise<EndorserResponse> {
    return new Promise((resolve, reject) => {
      this.pending.set(key(proposal.channel, proposal.txId), { simulator: new Simulator(state), resolve, reject });
      const input = new peer.ChaincodeInput();
      input.setArgsList(proposal.args);
      const msg = message(Type.TRANSACTION, input.serializeBinary(), proposal.txId, proposal.channel);
      msg.setProposal(signedProposal(proposal, input));
      this.stream.write(msg);
    });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private onMessage(msg: ChaincodeMessage): void {
    const txid = msg.getTxid();
    const channel = msg.getChannelId();
    const tx = this.pending.get(key(channel, txid));
    if (msg.getType() === Type.KEEPALIVE) return;
    if (!tx) return;
    const reply = (type: number, payload: Uint8Array) => this.stream.write(message(type, payload, txid, channel));
    const payload = msg.getPayload_asU8();
    try {
      switch (msg.getType()) {
        case Type.GET_STATE: {
          const req = peer.GetState.deserializeBinary(payload);
          publicOnly(req.getCollection());
          reply(Type.RESPONSE, tx.simulator.get(req.getKey()) ?? new Uint8Array());
          return;
        }
        case Type.PUT_STATE: {
          const req = peer.PutState.deserializeBinary(payload);
          publicOnly(req.getCollection());
          tx.simulator.put(req.getKey(), req.getValue_asU8());
          reply(Type.RESPONSE, new Uint8Array());
          return;
        }
        case Type.DEL_STATE: {
          const req = peer.DelState.deserializeBinary(payload);
          publicOnly(req.getCollection());
          tx.simulator.delete(req.getKey());
          reply(Type.RESPONSE, new Uint8Array());
          return;
        }
        case Type.GET_STATE_BY_RANGE: {
          const req = peer.GetStateByRange.deserializeBinary(payload);
          publicOnly(req.getCollection());
          // One batch holds the whole range: every entry counts as read.
          const range = tx.simulator.range(req.getStartkey(), req.getEndkey());
          const response = new peer.QueryResponse();
          response.setResultsList(
            range.entries.map(([k, { value }], i) => {
              range.record(i);
              const kv = new ledger.queryresult.KV();
              kv.setKey(k);
              kv.setValue(value);
              const bytes = new peer.QueryResultBytes();
              bytes.setResultbytes(kv.serializeBinary());
              return bytes;
            }),
          );
          range.exhaust();
          response.setHasMore(false);
          response.setId(randomBytes(8).toString('hex'));
          reply(Type.RESPONSE, response.serializeBinary());
          return;
        }
        case Type.QUERY_STATE_CLOSE: {
          const response = new peer.QueryResponse();
          response.setId(peer.QueryStateClose.deserializeBinary(payload).getId());
          reply(Type.RESPONSE, response.serializeBinary());
          return;
        }
        case Type.COMPLETED: {
          const response = peer.Response.deserializeBinary(payload);
          const event = msg.getChaincodeEvent();
          if (event && event.getEventName()) tx.simulator.setEvent(event.getEventName(), event.getPayload_asU8());
          this.pending.delete(key(channel, txid));
          tx.resolve({ status: response.getStatus(), message: response.getMessage(), payload: response.getPayload_asU8(), simulation: tx.simulator.simulation });
          return;
        }
        case Type.ERROR: {
          this.pending.delete(key(channel, txid));
          tx.resolve({ status: 500, message: Buffer.from(payload).toString('utf8'), simulation: tx.simulator.simulation });
          return;
        }
        default:
          throw new Error(`message type ${msg.getType()} is not supported by this peer`);
      }
    } catch (e) {
      reply(Type.ERROR, Buffer.from((e as Error).message));
    }
  }
}

function key(channel: string, txid: string): string {
  return `${channel}/${txid}`;
}

function publicOnly(collection: string): void {
  if (collection !== '') throw new Error('private data collections are not supported by this peer');
}

function message(type: number, payload: Uint8Array, txid: string, channel: string): ChaincodeMessage {
  const msg = new peer.ChaincodeMessage();
  msg.setType(type as Parameters<ChaincodeMessage['setType']>[0]);
  msg.setPayload(payload);
  msg.setTxid(txid);
  msg.setChannelId(channel);
  return msg;
}

/** The SignedProposal fabric-shim's ChaincodeStub decodes: creator, timestamp, channel and tx id. */
function signedProposal(proposal: ProposalContext, input: InstanceType<typeof peer.ChaincodeInput>): InstanceType<typeof peer.SignedProposal> {
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(proposal.timestamp / 1000));
  ts.setNanos((proposal.timestamp % 1000) * 1_000_000);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(proposal.channel);
  channelHeader.setTxId(proposal.txId);
  channelHeader.setTimestamp(ts as never);
  const creator = new msp.SerializedIdentity();
  creator.setMspid(proposal.creator.mspid);
  creator.setIdBytes(proposal.creator.idBytes);
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  signatureHeader.setNonce(randomBytes(24));
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());
  const spec = new peer.ChaincodeSpec();
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  const p = new peer.Proposal();
  p.setHeader(header.serializeBinary());
  p.setPayload(payload.serializeBinary());
  const signed = new peer.SignedProposal();
  signed.setProposalBytes(p.serializeBinary());
  signed.setSignature(new Uint8Array(64)); // the peer checked the client's signature before this point
  return signed;
}
