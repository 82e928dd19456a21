import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, fabricSettingsFromEnv, FabricSettingsError, hasFabricSettings, readPem } from './settings.js';

const base = {
  FABRIC_PEER_ENDPOINT: 'peer0.org1.example.com:7051',
  FABRIC_MSP_ID: 'Org1MSP',
  FABRIC_CERT_PATH: '/msp/signcerts',
  FABRIC_KEY_PATH: '/msp/keystore',
  FABRIC_TLS_CERT_PATH: '/tls/ca.crt',
};

function settingError(env: Record<string, string>): FabricSettingsError {
  try {
    fabricSettingsFromEnv(env);
  } catch (e) {
    if (e instanceof FabricSettingsError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('fabricSettingsFromEnv', () => {
  it('reads a complete environment with defaults for channel, chaincode and deadlines', () => {
    expect(fabricSettingsFromEnv({ ...base, FABRIC_PEER_HOST_ALIAS: 'peer0.org1.example.com' })).toEqual({
      peerEndpoint: 'peer0.org1.example.com:7051',
      peerHostAlias: 'peer0.org1.example.com',
      mspId: 'Org1MSP',
      certPath: '/msp/signcerts',
      keyPath: '/msp/keystore',
      tls: { rootCertPath: '/tls/ca.crt', clientCertPath: undefined, clientKeyPath: undefined },
      channel: 'evidence',
      chaincode: 'anchor',
      timeouts: DEFAULT_TIMEOUTS,
    });
    expect(hasFabricSettings(base)).toBe(true);
    expect(hasFabricSettings({})).toBe(false);
  });

  it('takes a channel, chaincode, deadlines, mutual TLS, or TLS off', () => {
    const s = fabricSettingsFromEnv({
      ...base,
      FABRIC_CHANNEL: 'hospitals',
      FABRIC_CHAINCODE: 'evidence',
      FABRIC_COMMIT_TIMEOUT_MS: '120000',
      FABRIC_CLIENT_TLS_CERT_PATH: '/tls/client.crt',
      FABRIC_CLIENT_TLS_KEY_PATH: '/tls/client.key',
    });
    expect(s).toMatchObject({ channel: 'hospitals', chaincode: 'evidence', timeouts: { commitStatus: 120_000 }, tls: { clientCertPath: '/tls/client.crt' } });
    const { FABRIC_TLS_CERT_PATH: _t, ...noTls } = base;
    expect(fabricSettingsFromEnv({ ...noTls, FABRIC_TLS: 'off' }).tls).toBeNull();
  });

  it('names the variable that is missing or malformed', () => {
    const { FABRIC_MSP_ID: _m, ...noMsp } = base;
    expect(settingError(noMsp).setting).toBe('FABRIC_MSP_ID');
    const { FABRIC_TLS_CERT_PATH: _t, ...noTls } = base;
    expect(settingError(noTls).setting).toBe('FABRIC_TLS_CERT_PATH');
    expect(settingError({ ...base, FABRIC_PEER_ENDPOINT: 'grpcs://peer:7051' }).setting).toBe('FABRIC_PEER_ENDPOINT');
    expect(settingError({ ...base, FABRIC_PEER_ENDPOINT: 'peer' }).setting).toBe('FABRIC_PEER_ENDPOINT');
    expect(settingError({ ...base, FABRIC_EVALUATE_TIMEOUT_MS: '5s' }).setting).toBe('FABRIC_EVALUATE_TIMEOUT_MS');
    expect(settingError({ ...base, FABRIC_CLIENT_TLS_CERT_PATH: '/x' }).setting).toBe('FABRIC_CLIENT_TLS_CERT_PATH');
    expect(settingError({ ...base, FABRIC_MSP_ID: '  ' }).message).toBe('FABRIC_MSP_ID: is not set');
  });
});

describe('readPem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pem-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('reads a file, or the one file of an MSP folder', async () => {
    writeFileSync(join(dir, 'cert.pem'), pem);
    expect((await readPem(join(dir, 'cert.pem'), 'FABRIC_CERT_PATH')).toString()).toBe(pem);
    mkdirSync(join(dir, 'signcerts'));
    writeFileSync(join(dir, 'signcerts', 'cert.pem'), pem);
    expect((await readPem(join(dir, 'signcerts'), 'FABRIC_CERT_PATH')).toString()).toBe(pem);
  });

  it('refuses a missing file, a folder of several files, and a file that is not PEM', async () => {
    await expect(readPem(join(dir, 'nope.pem'), 'FABRIC_CERT_PATH')).rejects.toMatchObject({ setting: 'FABRIC_CERT_PATH' });
    mkdirSync(join(dir, 'keystore'));
    writeFileSync(join(dir, 'keystore', 'a_sk'), pem);
    writeFileSync(join(dir, 'keystore', 'b_sk'), pem);
    await expect(readPem(join(dir, 'keystore'), 'FABRIC_KEY_PATH')).rejects.toThrow(/exactly one file/);
    writeFileSync(join(dir, 'der.crt'), Buffer.from([0x30, 0x82]));
    await expect(readPem(join(dir, 'der.crt'), 'FABRIC_TLS_CERT_PATH')).rejects.toThrow(/not PEM/);
  });
});
