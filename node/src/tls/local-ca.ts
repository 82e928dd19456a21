// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { TlsFiles } from './tls-files.js';

/**
 * A local certificate authority for the links between gateways and routing
 * nodes, as `npm start`, `npm run network` and the tests use it: ECDSA P-256
 * (SM2 certificates are not needed on the link; the evidence is signed with
 * SM2 inside), one certificate per device, its code as the subject CN, usable
 * for server and client authentication, with 127.0.0.1 and localhost as
 * names. Key files are written with mode 0600. A production network's CA
 * issues these instead; the devices only read the file paths.
 */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);

export interface LocalCa {
  dir: string;
  /** PEM of the CA certificate: every device's trust anchor. */
  caFile: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

/** Opens the CA in `dir`, creating it (ca.pem, ca-key.pem) on first use. */
export async function openLocalCa(dir: string, name = 'evidence local network CA'): Promise<LocalCa> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  try {
    const cert = new x509.X509Certificate(await readFile(caFile, 'utf8'));
    const pkcs8 = x509.PemConverter.decodeFirst(await readFile(keyFile, 'utf8'));
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, ALG, false, ['sign']);
    const publicKey = await cert.publicKey.export(ALG, ['verify'], crypto as never);
    return { dir, caFile, cert, keys: { privateKey, publicKey } };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const keys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeFile(keyFile, pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)), { mode: 0o600 });
  await writeFile(caFile, cert.toString('pem') + '\n');
  return { dir, caFile, cert, keys };
}

export interface IssueOptions {
  /** Default: valid from a minute ago for two years. Tests issue expired ones. */
  notBefore?: Date;
  notAfter?: Date;
  /** Extra DNS names besides localhost. */
  dnsNames?: string[];
}

/**
 * Issues (or reuses, when present and signed by this CA) the certificate of
 * the device `code` into `<ca dir>/<code>.pem` and `<code>-key.pem`; returns
 * the three file paths a device's configuration names.
 */
export async function issueDeviceCertificate(ca: LocalCa, code: string, options: IssueOptions = {}, into = ca.dir): Promise<TlsFiles> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(code)) throw new Error(`not a device code: ${code}`);
  await mkdir(into, { recursive: true, mode: 0o700 });
  const files: TlsFiles = { ca: ca.caFile, cert: join(into, `${code}.pem`), key: join(into, `${code}-key.pem`) };
  if (options.notAfter === undefined && options.notBefore === undefined && (await stillValid(files.cert, ca))) return files;
  const keys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${code}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 2 * 365 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
        ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  await writeFile(files.key, pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)), { mode: 0o600 });
  await writeFile(files.cert, cert.toString('pem') + '\n');
  return files;
}

async function stillValid(file: string, ca: LocalCa): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(await readFile(file, 'utf8'));
    const soon = new Date(Date.now() + 86_400_000);
    return cert.notAfter > soon && (await cert.verify({ publicKey: ca.keys.publicKey, signatureOnly: true }, crypto as never));
  } catch {
    return false;
  }
}

function pem(label: string, der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, label) + '\n';
}
