import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import * as der from './der.js';

/*
 * A certificate authority for test identities: ECDSA P-256 certificates like
 * those Fabric CA issues, including its attribute extension, built with node's
 * crypto only (no openssl binary, nothing downloaded). fabric-shim's
 * ClientIdentity parses them exactly as it parses a real peer's creator.
 */

/** Fabric CA's X.509 extension carrying identity attributes as JSON {"attrs": {...}}. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
} as const;

/** A distinguished name in the order it is written, e.g. { C: 'CN', O: 'org1', CN: 'gateway' }. */
export type DistinguishedName = Partial<Record<'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN', string>>;

export interface TestIdentity {
  mspId: string;
  /** PEM certificate: the creator's idBytes, and the client certificate of fabric-gateway. */
  certificate: string;
  /** PKCS#8 PEM private key (P-256). */
  privateKey: string;
}

export interface TestCa {
  mspId: string;
  /** PEM of the self-signed CA certificate: the MSP's root of trust. */
  certificate: string;
  /** Issues a client identity (optionally with Fabric CA attributes). */
  issue(subject: DistinguishedName, options?: { attrs?: Record<string, string> }): TestIdentity;
  /** Issues a TLS server certificate for the given DNS names and IP addresses. */
  issueServer(subject: DistinguishedName, names: { dns?: string[]; ip?: string[] }): TestIdentity;
}

function name(dn: DistinguishedName): der.Der {
  const rdns = (Object.keys(dn) as (keyof DistinguishedName)[]).map((k) => {
    const value = dn[k]!;
    return der.set(der.sequence(der.oid(OID[k]), k === 'C' ? der.printableString(value) : der.utf8String(value)));
  });
  return der.sequence(...rdns);
}

function extension(id: string, critical: boolean, value: Uint8Array): der.Der {
  return critical ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value)) : der.sequence(der.oid(id), der.octetString(value));
}

function ipBytes(ip: string): Uint8Array {
  return new Uint8Array(ip.split('.').map(Number));
}

function pem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

interface CertificateSpec {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  publicKey: KeyObject;
  signingKey: KeyObject;
  extensions: der.Der[];
}

function certificate(spec: CertificateSpec): string {
  const now = Date.now();
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.integer(new Uint8Array([2]))), // v3
    der.integer(randomBytes(16)),
    algorithm,
    name(spec.issuer),
    der.sequence(der.utcTime(new Date(now - 3_600_000)), der.utcTime(new Date(now + 10 * 365 * 86_400_000))),
    name(spec.subject),
    new Uint8Array(spec.publicKey.export({ type: 'spki', format: 'der' })),
    der.explicit(3, der.sequence(...spec.extensions)),
  );
  const signature = sign('sha256', tbs, spec.signingKey); // DER ECDSA-Sig-Value
  return pem('CERTIFICATE', der.sequence(tbs, algorithm, der.bitString(new Uint8Array(signature))));
}

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

const DIGITAL_SIGNATURE = der.bitString(new Uint8Array([0x80])).subarray(0); // keyUsage digitalSignature

/** A new CA for an MSP; `org` names its organisation in every subject. */
export function createTestCa(mspId: string, org = mspId.toLowerCase()): TestCa {
  const ca = keyPair();
  const caName: DistinguishedName = { C: 'CN', ST: 'Zhejiang', L: 'Hangzhou', O: org, CN: `ca.${org}` };
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, der.bitString(new Uint8Array([0x06]))), // keyCertSign, cRLSign
    ],
  });

  const issue = (subject: DistinguishedName, extensions: der.Der[]): TestIdentity => {
    const kp = keyPair();
    const cert = certificate({ subject: { O: org, ...subject }, issuer: caName, publicKey: kp.publicKey, signingKey: ca.privateKey, extensions });
    return { mspId, certificate: cert, privateKey: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  };

  return {
    mspId,
    certificate: caCert,
    issue(subject, options = {}) {
      const extensions = [extension(OID.basicConstraints, true, der.sequence()), extension(OID.keyUsage, true, DIGITAL_SIGNATURE)];
      if (options.attrs) extensions.push(extension(FABRIC_ATTRS_OID, false, new TextEncoder().encode(JSON.stringify({ attrs: options.attrs }))));
      return issue(subject, extensions);
    },
    issueServer(subject, names) {
      const general = [
        ...(names.dns ?? []).map((d) => der.implicitPrimitive(2, new TextEncoder().encode(d))),
        ...(names.ip ?? []).map((ip) => der.implicitPrimitive(7, ipBytes(ip))),
      ];
      return issue(subject, [
        extension(OID.basicConstraints, true, der.sequence()),
        extension(OID.keyUsage, true, DIGITAL_SIGNATURE),
        extension(OID.subjectAltName, false, der.sequence(...general)),
      ]);
    },
  };
}

/** Whether `certificatePem` was issued by the CA certificate `caPem` (signature and issuer name). */
export function isIssuedBy(certificatePem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certificatePem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** The private key object of a test identity, e.g. for fabric-gateway's signers.newPrivateKeySigner. */
export function privateKeyOf(identity: TestIdentity): KeyObject {
  return createPrivateKey(identity.privateKey);
}
