import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import shimModule from 'fabric-shim';
import type { ChaincodeServer, ChaincodeServerOpts } from 'fabric-shim';
import { createChaincode } from '../chaincode.js';

/**
 * The chaincode as a service: a gRPC server the peer dials (its address is in
 * the package's connection.json). Settings from the environment:
 *
 *   CHAINCODE_ID                   the package id the peer installed ("label:hash") (required)
 *   CHAINCODE_SERVER_ADDRESS       host:port to listen on, e.g. 0.0.0.0:9999 (required; port 0 picks a free one)
 *   CHAINCODE_TLS_KEY_FILE, CHAINCODE_TLS_CERT_FILE      the server's TLS key pair (PEM), to serve TLS
 *   CHAINCODE_TLS_CLIENT_CACERT_FILE                     the peers' client CA, to require mutual TLS
 *   CHAINCODE_MAX_CLOCK_SKEW_MS    refuse proposals whose timestamp is further than this from
 *                                  this host's clock (default 300000; "off" accepts any)
 */
export interface CcaasServerSettings {
  ccid: string;
  address: string;
  tls?: { key: Buffer; cert: Buffer; clientCACerts?: Buffer };
  /** See ledger/clock.ts; absent or null accepts any proposal timestamp. */
  maxClockSkewMs?: number | null;
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 300_000;

export class CcaasSettingsError extends Error {
  readonly code = 'CCAAS_SETTINGS';

  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'CcaasSettingsError';
  }
}

export interface RunningChaincodeServer {
  ccid: string;
  /** host:port actually listened on. */
  address: string;
  port: number;
  close(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

export function ccaasSettingsFromEnv(env: Env = process.env): CcaasServerSettings {
  const ccid = env.CHAINCODE_ID?.trim();
  if (!ccid) throw new CcaasSettingsError('CHAINCODE_ID', 'is not set (the package id printed by peer lifecycle chaincode install)');
  if (!/^[A-Za-z0-9_.+-]+:[0-9a-f]{64}$/.test(ccid)) throw new CcaasSettingsError('CHAINCODE_ID', `must be label:sha256-hex, got ${JSON.stringify(ccid)}`);
  const address = env.CHAINCODE_SERVER_ADDRESS?.trim();
  if (!address) throw new CcaasSettingsError('CHAINCODE_SERVER_ADDRESS', 'is not set (host:port to listen on)');
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(address)) throw new CcaasSettingsError('CHAINCODE_SERVER_ADDRESS', `must be host:port, got ${JSON.stringify(address)}`);
  const read = (name: string): Buffer | undefined => {
    const path = env[name]?.trim();
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new CcaasSettingsError(name, `cannot read ${path}: ${(e as Error).message}`);
    }
  };
  const key = read('CHAINCODE_TLS_KEY_FILE');
  const cert = read('CHAINCODE_TLS_CERT_FILE');
  const clientCACerts = read('CHAINCODE_TLS_CLIENT_CACERT_FILE');
  if (Boolean(key) !== Boolean(cert)) throw new CcaasSettingsError('CHAINCODE_TLS_KEY_FILE', 'TLS needs both CHAINCODE_TLS_KEY_FILE and CHAINCODE_TLS_CERT_FILE');
  if (clientCACerts && !key) throw new CcaasSettingsError('CHAINCODE_TLS_CLIENT_CACERT_FILE', 'mutual TLS needs the server key pair too');
  const skew = env.CHAINCODE_MAX_CLOCK_SKEW_MS?.trim();
  let maxClockSkewMs: number | null = DEFAULT_MAX_CLOCK_SKEW_MS;
  if (skew?.toLowerCase() === 'off') maxClockSkewMs = null;
  else if (skew) {
    if (!/^\d{1,9}$/.test(skew)) throw new CcaasSettingsError('CHAINCODE_MAX_CLOCK_SKEW_MS', 'must be a number of milliseconds or "off"');
    maxClockSkewMs = Number(skew);
  }
  return { ccid, address, tls: key && cert ? { key, cert, clientCACerts } : undefined, maxClockSkewMs };
}

/** Resolves port 0 to a free port on the host (fabric-shim's server does not report the port it bound). */
async function concreteAddress(address: string): Promise<{ host: string; port: number }> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  if (port !== 0) return { host, port };
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve({ host, port: free }));
    });
  });
}

/**
 * Starts the chaincode server with fabric-shim (the keepalive settings are those
 * of fabric-chaincode-node's own `server` command) and resolves once it listens.
 */
export async function startChaincodeServer(settings: CcaasServerSettings): Promise<RunningChaincodeServer> {
  const { host, port } = await concreteAddress(settings.address);
  const address = `${host}:${port}`;
  const options = {
    ccid: settings.ccid,
    address,
    tlsProps: settings.tls,
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
    'grpc.keepalive_time_ms': 110_000,
    'grpc.http2.min_time_between_pings_ms': 110_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.http2.max_pings_without_data': 0,
    'grpc.keepalive_permit_without_calls': 1,
  };
  // fabric-shim's types require tlsProps (it accepts its absence) and know fewer gRPC options than it passes on.
  const chaincode = createChaincode({ maxClockSkewMs: settings.maxClockSkewMs ?? null });
  const server = shimModule.Shim.server(chaincode, options as unknown as ChaincodeServerOpts);
  await server.start();
  return {
    ccid: settings.ccid,
    address,
    port,
    close: () => shutdown(server),
  };
}

/** ChaincodeServer has no stop(); its gRPC server is the `_server` field it creates in its constructor. */
function shutdown(server: ChaincodeServer): Promise<void> {
  const grpcServer = (server as unknown as { _server: { tryShutdown(cb: (e?: Error) => void): void; forceShutdown(): void } })._server;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      grpcServer.forceShutdown();
      resolve();
    }, 5_000);
    grpcServer.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
