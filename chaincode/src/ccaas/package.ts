import { gunzipSync, gzipSync } from 'node:zlib';
import { readTar, writeTar } from './tar.js';

/**
 * The chaincode-as-a-service package `peer lifecycle chaincode install` takes:
 * a tar.gz holding metadata.json ({"type": "ccaas", "label"}) and code.tar.gz,
 * itself holding connection.json, which tells the peer's ccaas builder where
 * the chaincode server listens and how to reach it over TLS. No code is in the
 * package: the chaincode runs as the server started by chaincode/src/server.ts.
 */
export interface CcaasPackageOptions {
  /** The package label, e.g. "anchor_1.0"; the package id is label:sha256(package). */
  label: string;
  /** host:port where peers reach the chaincode server (Fabric expands {{.peername}} in it). */
  address: string;
  /** How long the peer waits to connect, as a Go duration ("10s"). */
  dialTimeout?: string;
  /** TLS between peer and chaincode server: the server's root CA, and the peer's client pair for mutual TLS. */
  tls?: { rootCert: string; clientCert?: string; clientKey?: string };
}

/** connection.json as Fabric's ccaas builder reads it (ChaincodeServerUserData). */
export interface ConnectionJson {
  address: string;
  dial_timeout: string;
  tls_required: boolean;
  client_auth_required?: boolean;
  root_cert?: string;
  client_cert?: string;
  client_key?: string;
}

export interface MetadataJson {
  type: 'ccaas';
  label: string;
}

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const ADDRESS_RE = /^[A-Za-z0-9.{}-]+:\d{1,5}$/;

export function connectionJson(options: CcaasPackageOptions): ConnectionJson {
  if (!ADDRESS_RE.test(options.address)) throw new Error(`address must be host:port, got ${JSON.stringify(options.address)}`);
  const dial = options.dialTimeout ?? '10s';
  if (!/^\d+(ms|s|m)$/.test(dial)) throw new Error(`dialTimeout must be a duration like "10s", got ${JSON.stringify(dial)}`);
  const c: ConnectionJson = { address: options.address, dial_timeout: dial, tls_required: Boolean(options.tls) };
  if (options.tls) {
    if (!options.tls.rootCert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('tls.rootCert must be a PEM certificate');
    c.root_cert = options.tls.rootCert;
    if (Boolean(options.tls.clientCert) !== Boolean(options.tls.clientKey)) throw new Error('mutual TLS needs both tls.clientCert and tls.clientKey');
    c.client_auth_required = Boolean(options.tls.clientCert);
    if (options.tls.clientCert && options.tls.clientKey) {
      c.client_cert = options.tls.clientCert;
      c.client_key = options.tls.clientKey;
    }
  }
  return c;
}

/** The package bytes (tar.gz). Byte-for-byte reproducible from the same options. */
export function buildCcaasPackage(options: CcaasPackageOptions): Uint8Array {
  if (!LABEL_RE.test(options.label)) throw new Error(`label must match ${LABEL_RE}, got ${JSON.stringify(options.label)}`);
  const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2) + '\n');
  const code = gzipSync(writeTar([{ name: 'connection.json', content: json(connectionJson(options)) }]));
  const metadata: MetadataJson = { type: 'ccaas', label: options.label };
  return gzipSync(
    writeTar([
      { name: 'metadata.json', content: json(metadata) },
      { name: 'code.tar.gz', content: code },
    ]),
  );
}

/** Reads a CCaaS package back: what a peer would find in it. */
export function readCcaasPackage(bytes: Uint8Array): { metadata: MetadataJson; connection: ConnectionJson; files: string[] } {
  const outer = readTar(gunzipSync(bytes));
  const file = (entries: { name: string; content: Uint8Array }[], name: string) => {
    const found = entries.find((e) => e.name === name);
    if (!found) throw new Error(`the package has no ${name}`);
    return found.content;
  };
  const metadata = JSON.parse(Buffer.from(file(outer, 'metadata.json')).toString('utf8')) as MetadataJson;
  const code = readTar(gunzipSync(file(outer, 'code.tar.gz')));
  const connection = JSON.parse(Buffer.from(file(code, 'connection.json')).toString('utf8')) as ConnectionJson;
  return { metadata, connection, files: outer.map((e) => e.name) };
}
