import { createPrivateKey } from 'node:crypto';
import { Client, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { createFabricAnchor, type CheckpointSignatureSource, type FabricAnchor } from './fabric-anchor.js';
import type { ChaincodeLocation, ChaincodePort } from './port.js';
import { FabricSettingsError, fabricSettingsFromEnv, readPem, type FabricSettings } from './settings.js';

export interface FabricConnection extends ChaincodeLocation {
  /** The chaincode, acting as the configured identity. */
  port: ChaincodePort;
  gateway: Gateway;
  close(): void;
}

async function channelCredentials(settings: FabricSettings): Promise<ChannelCredentials> {
  if (!settings.tls) return credentials.createInsecure();
  const root = await readPem(settings.tls.rootCertPath, 'FABRIC_TLS_CERT_PATH');
  if (settings.tls.clientCertPath && settings.tls.clientKeyPath) {
    const key = await readPem(settings.tls.clientKeyPath, 'FABRIC_CLIENT_TLS_KEY_PATH');
    const cert = await readPem(settings.tls.clientCertPath, 'FABRIC_CLIENT_TLS_CERT_PATH');
    return credentials.createSsl(root, key, cert);
  }
  return credentials.createSsl(root);
}

/**
 * Opens a Fabric Gateway connection as the configured identity: a gRPC channel
 * to the peer (TLS with the configured root, optionally mutual), the client
 * certificate as identity, its private key as signer, and deadlines on every
 * call. Nothing is sent until the first call.
 */
export async function connectFabricGateway(settings: FabricSettings): Promise<FabricConnection> {
  const certificate = await readPem(settings.certPath, 'FABRIC_CERT_PATH');
  let privateKey;
  try {
    privateKey = createPrivateKey(await readPem(settings.keyPath, 'FABRIC_KEY_PATH'));
  } catch (e) {
    if (e instanceof FabricSettingsError) throw e;
    throw new FabricSettingsError('FABRIC_KEY_PATH', `not a private key: ${(e as Error).message}`);
  }
  const options = settings.peerHostAlias ? { 'grpc.ssl_target_name_override': settings.peerHostAlias } : {};
  const client = new Client(settings.peerEndpoint, await channelCredentials(settings), options);
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client,
    identity: { mspId: settings.mspId, credentials: certificate },
    signer: signers.newPrivateKeySigner(privateKey),
    hash: hash.sha256,
    evaluateOptions: deadline(settings.timeouts.evaluate),
    endorseOptions: deadline(settings.timeouts.endorse),
    submitOptions: deadline(settings.timeouts.submit),
    commitStatusOptions: deadline(settings.timeouts.commitStatus),
  });
  const contract = gateway.getNetwork(settings.channel).getContract(settings.chaincode);
  return {
    channel: settings.channel,
    chaincode: settings.chaincode,
    gateway,
    port: {
      submit: (name, ...args) => contract.submitTransaction(name, ...args),
      evaluate: (name, ...args) => contract.evaluateTransaction(name, ...args),
    },
    close() {
      gateway.close();
      client.close();
    },
  };
}

/**
 * The Fabric anchor the gateway (服务开放设备) uses when configured with
 * ANCHOR=fabric: settings from the environment (see settings.ts) or given.
 * A gateway that anchors checkpoints passes `checkpointSignature`, its SM2
 * signature of each checkpoint (see FabricAnchorOptions). close() ends the
 * connection.
 */
export async function connectFabricAnchor(
  source: FabricSettings | Readonly<Record<string, string | undefined>> = process.env,
  options: { checkpointSignature?: CheckpointSignatureSource } = {},
): Promise<FabricAnchor> {
  const settings = 'peerEndpoint' in source && typeof source.peerEndpoint === 'string' ? (source as FabricSettings) : fabricSettingsFromEnv(source as Record<string, string | undefined>);
  const connection = await connectFabricGateway(settings);
  return createFabricAnchor({
    port: connection.port,
    channel: connection.channel,
    chaincode: connection.chaincode,
    checkpointSignature: options.checkpointSignature,
    close: () => connection.close(),
  });
}
