import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How to reach a Fabric network and as whom, from the environment:
 *
 *   FABRIC_PEER_ENDPOINT       host:port of a peer running the Fabric Gateway service (required)
 *   FABRIC_MSP_ID              the client identity's MSP id (required)
 *   FABRIC_CERT_PATH           its X.509 certificate (PEM file, or an MSP signcerts folder) (required)
 *   FABRIC_KEY_PATH            its private key (PEM file, or an MSP keystore folder) (required)
 *   FABRIC_TLS_CERT_PATH       the peer's TLS root CA certificate (PEM); required unless FABRIC_TLS=off
 *   FABRIC_PEER_HOST_ALIAS     the TLS server name to expect when it differs from the endpoint host
 *   FABRIC_CLIENT_TLS_CERT_PATH, FABRIC_CLIENT_TLS_KEY_PATH   for peers that require mutual TLS
 *   FABRIC_TLS                 "off" for a plaintext connection (development networks only)
 *   FABRIC_CHANNEL             channel name (default "evidence")
 *   FABRIC_CHAINCODE           chaincode name (default "anchor")
 */
export interface FabricSettings {
  peerEndpoint: string;
  peerHostAlias?: string;
  mspId: string;
  certPath: string;
  keyPath: string;
  tls: { rootCertPath: string; clientCertPath?: string; clientKeyPath?: string } | null;
  channel: string;
  chaincode: string;
  /** Deadlines of the gateway calls, in milliseconds. */
  timeouts: { evaluate: number; endorse: number; submit: number; commitStatus: number };
}

/** A missing or malformed setting; `setting` names the variable. */
export class FabricSettingsError extends Error {
  readonly code = 'FABRIC_SETTINGS';

  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'FabricSettingsError';
  }
}

export const DEFAULT_TIMEOUTS: FabricSettings['timeouts'] = { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 };

type Env = Readonly<Record<string, string | undefined>>;

/** True when the environment names a peer, i.e. when a Fabric connection is configured at all. */
export function hasFabricSettings(env: Env = process.env): boolean {
  return Boolean(env.FABRIC_PEER_ENDPOINT);
}

export function fabricSettingsFromEnv(env: Env = process.env): FabricSettings {
  const required = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new FabricSettingsError(name, 'is not set');
    return v;
  };
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;

  const peerEndpoint = required('FABRIC_PEER_ENDPOINT');
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(peerEndpoint)) {
    throw new FabricSettingsError('FABRIC_PEER_ENDPOINT', `must be host:port, got ${JSON.stringify(peerEndpoint)}`);
  }
  const tlsOff = optional('FABRIC_TLS')?.toLowerCase() === 'off';
  const clientCertPath = optional('FABRIC_CLIENT_TLS_CERT_PATH');
  const clientKeyPath = optional('FABRIC_CLIENT_TLS_KEY_PATH');
  if (Boolean(clientCertPath) !== Boolean(clientKeyPath)) {
    throw new FabricSettingsError('FABRIC_CLIENT_TLS_CERT_PATH', 'mutual TLS needs both FABRIC_CLIENT_TLS_CERT_PATH and FABRIC_CLIENT_TLS_KEY_PATH');
  }
  return {
    peerEndpoint,
    peerHostAlias: optional('FABRIC_PEER_HOST_ALIAS'),
    mspId: required('FABRIC_MSP_ID'),
    certPath: required('FABRIC_CERT_PATH'),
    keyPath: required('FABRIC_KEY_PATH'),
    tls: tlsOff ? null : { rootCertPath: required('FABRIC_TLS_CERT_PATH'), clientCertPath, clientKeyPath },
    channel: optional('FABRIC_CHANNEL') ?? 'evidence',
    chaincode: optional('FABRIC_CHAINCODE') ?? 'anchor',
    timeouts: {
      evaluate: millis(env, 'FABRIC_EVALUATE_TIMEOUT_MS', DEFAULT_TIMEOUTS.evaluate),
      endorse: millis(env, 'FABRIC_ENDORSE_TIMEOUT_MS', DEFAULT_TIMEOUTS.endorse),
      submit: millis(env, 'FABRIC_SUBMIT_TIMEOUT_MS', DEFAULT_TIMEOUTS.submit),
      commitStatus: millis(env, 'FABRIC_COMMIT_TIMEOUT_MS', DEFAULT_TIMEOUTS.commitStatus),
    },
  };
}

function millis(env: Env, name: string, fallback: number): number {
  const v = env[name]?.trim();
  if (!v) return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(v)) throw new FabricSettingsError(name, 'must be a positive number of milliseconds');
  return Number(v);
}

/**
 * Reads a PEM file, or the one file of an MSP folder (signcerts/, keystore/),
 * the layout cryptogen and Fabric CA clients write.
 */
export async function readPem(path: string, setting: string): Promise<Buffer> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) {
      const entries = (await readdir(path)).filter((f) => !f.startsWith('.')).sort();
      if (entries.length !== 1) throw new FabricSettingsError(setting, `folder ${path} must hold exactly one file, it holds ${entries.length}`);
      file = join(path, entries[0]!);
    }
    const pem = await readFile(file);
    if (!pem.includes('-----BEGIN ')) throw new FabricSettingsError(setting, `${file} is not PEM`);
    return pem;
  } catch (e) {
    if (e instanceof FabricSettingsError) throw e;
    throw new FabricSettingsError(setting, `cannot read ${file}: ${(e as Error).message}`);
  }
}
