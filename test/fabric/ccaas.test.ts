/**
 * Chaincode as a service: the package the peer installs is well formed, the
 * server listens on loopback and stops, and a peer speaking the chaincode
 * protocol runs the Anchor conformance suite through it, so the contracts run
 * on fabric-shim's own ChaincodeStub as on a real peer.
 */
// The chaincode server first: fabric-shim must load its copy of fabric-protos
// before fabric-gateway (imported by the test support) loads another.
import { ccaasSettingsFromEnv, CcaasSettingsError, DEFAULT_MAX_CLOCK_SKEW_MS, startChaincodeServer, type RunningChaincodeServer } from '@evidence/chaincode/server';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import { generateSm2KeyPair, signCheckpoint } from '@evidence/core';
import { buildCcaasPackage, readCcaasPackage, rotateGatewayKey } from '@evidence/chaincode';
import { ChaincodeStreamPeer, createEvidenceNetwork, createTestCa } from '@evidence/chaincode/testing';
import { describeAnchorConformance, describeCheckpointConformance, type AnchorFixture } from '../conformance/anchor.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CCID = `anchor_1.0:${'ab'.repeat(32)}`;
const hasTar = spawnSync('tar', ['--version']).status === 0;

describe('CCaaS package (peer lifecycle chaincode install)', () => {
  const ca = createTestCa('Org1MSP');
  const serverTls = ca.issueServer({ CN: 'evidence-chaincode' }, { dns: ['evidence-chaincode'] });
  const peerClient = ca.issue({ OU: 'peer', CN: 'peer0' });

  it('holds metadata.json of type ccaas and code.tar.gz with connection.json', () => {
    const pkg = readCcaasPackage(buildCcaasPackage({ label: 'anchor_1.0', address: 'evidence-chaincode:9999' }));
    expect(pkg.files).toEqual(['metadata.json', 'code.tar.gz']);
    expect(pkg.metadata).toEqual({ type: 'ccaas', label: 'anchor_1.0' });
    expect(pkg.connection).toEqual({ address: 'evidence-chaincode:9999', dial_timeout: '10s', tls_required: false });
  });

  it('carries the TLS material for (mutual) TLS between peer and chaincode server', () => {
    const pkg = readCcaasPackage(
      buildCcaasPackage({
        label: 'anchor_1.0',
        address: '{{.peername}}-chaincode:9999',
        dialTimeout: '5s',
        tls: { rootCert: ca.certificate, clientCert: peerClient.certificate, clientKey: peerClient.privateKey },
      }),
    );
    expect(pkg.connection).toEqual({
      address: '{{.peername}}-chaincode:9999',
      dial_timeout: '5s',
      tls_required: true,
      client_auth_required: true,
      root_cert: ca.certificate,
      client_cert: peerClient.certificate,
      client_key: peerClient.privateKey,
    });
    expect(serverTls.certificate).toContain('BEGIN CERTIFICATE');
  });

  it('is byte-for-byte reproducible, so every organisation computes the same package id', () => {
    const a = buildCcaasPackage({ label: 'anchor_1.0', address: 'cc:9999' });
    const b = buildCcaasPackage({ label: 'anchor_1.0', address: 'cc:9999' });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(buildCcaasPackage({ label: 'anchor_1.0', address: 'cc:9998' })))).not.toBe(0);
  });

  it('refuses bad labels, addresses, durations and half a mutual-TLS pair', () => {
    expect(() => buildCcaasPackage({ label: 'bad label', address: 'cc:9999' })).toThrow(/label/);
    expect(() => buildCcaasPackage({ label: 'anchor', address: 'http://cc:9999' })).toThrow(/host:port/);
    expect(() => buildCcaasPackage({ label: 'anchor', address: 'cc:9999', dialTimeout: 'soon' })).toThrow(/duration/);
    expect(() => buildCcaasPackage({ label: 'anchor', address: 'cc:9999', tls: { rootCert: 'not a cert' } })).toThrow(/PEM/);
    expect(() => buildCcaasPackage({ label: 'anchor', address: 'cc:9999', tls: { rootCert: ca.certificate, clientCert: peerClient.certificate } })).toThrow(
      /mutual TLS/,
    );
  });

  describe('scripts/fabric/package-ccaas.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccaas-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/fabric/package-ccaas.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

    it('writes the package and prints the package id the peer will report', () => {
      const out = join(dir, 'anchor.tar.gz');
      const r = run(['--label', 'anchor_1.0', '--address', 'evidence-chaincode:9999', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const bytes = readFileSync(out);
      expect(r.stdout).toContain(`anchor_1.0:${createHash('sha256').update(bytes).digest('hex')}`);
      expect(readCcaasPackage(bytes).metadata.type).toBe('ccaas');
    });

    it.skipIf(!hasTar)('is readable by the system tar as the peer reads it (skipped when no tar is on PATH)', () => {
      const out = join(dir, 'sys.tar.gz');
      expect(run(['--label', 'anchor_1.0', '--address', 'evidence-chaincode:9999', '--out', out]).status).toBe(0);
      expect(execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n')).toEqual(['metadata.json', 'code.tar.gz']);
      const x = join(dir, 'x');
      execFileSync('mkdir', ['-p', x]);
      execFileSync('tar', ['-xzf', out, '-C', x]);
      expect(JSON.parse(readFileSync(join(x, 'metadata.json'), 'utf8'))).toEqual({ type: 'ccaas', label: 'anchor_1.0' });
      const connection = execFileSync('tar', ['-xzOf', join(x, 'code.tar.gz'), 'connection.json'], { encoding: 'utf8' });
      expect(JSON.parse(connection)).toMatchObject({ address: 'evidence-chaincode:9999', tls_required: false });
    });

    it('exits 2 with bilingual help on missing or unknown flags', () => {
      const r = run(['--address', 'cc:9999']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--label is required / 缺少 --label');
      expect(run(['--label', 'a', '--address', 'cc:1', '--bogus']).status).toBe(2);
      expect(run(['--label', 'a', '--address', 'cc:1', '--tls-client-cert', 'x']).status).toBe(2);
    });
  });
});

describe('chaincode server settings (CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS)', () => {
  it('reads the id and address', () => {
    expect(ccaasSettingsFromEnv({ CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: '0.0.0.0:9999' })).toEqual({
      ccid: CCID,
      address: '0.0.0.0:9999',
      tls: undefined,
      maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
    });
    const env = { CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: '0.0.0.0:9999' };
    expect(ccaasSettingsFromEnv({ ...env, CHAINCODE_MAX_CLOCK_SKEW_MS: 'off' }).maxClockSkewMs).toBeNull();
    expect(ccaasSettingsFromEnv({ ...env, CHAINCODE_MAX_CLOCK_SKEW_MS: '60000' }).maxClockSkewMs).toBe(60_000);
  });

  it('refuses missing or malformed settings, naming the variable', () => {
    const bad = (env: Record<string, string>, setting: string) => {
      try {
        ccaasSettingsFromEnv(env);
      } catch (e) {
        expect(e).toBeInstanceOf(CcaasSettingsError);
        expect((e as CcaasSettingsError).setting).toBe(setting);
        return;
      }
      throw new Error('accepted');
    };
    bad({ CHAINCODE_SERVER_ADDRESS: '0.0.0.0:9999' }, 'CHAINCODE_ID');
    bad({ CHAINCODE_ID: 'anchor', CHAINCODE_SERVER_ADDRESS: '0.0.0.0:9999' }, 'CHAINCODE_ID');
    bad({ CHAINCODE_ID: CCID }, 'CHAINCODE_SERVER_ADDRESS');
    bad({ CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: 'grpc://x:1' }, 'CHAINCODE_SERVER_ADDRESS');
    bad({ CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: 'x:1', CHAINCODE_TLS_KEY_FILE: '/nonexistent/key.pem' }, 'CHAINCODE_TLS_KEY_FILE');
    bad({ CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: 'x:1', CHAINCODE_MAX_CLOCK_SKEW_MS: '5m' }, 'CHAINCODE_MAX_CLOCK_SKEW_MS');
  });
});

describe('chaincode server', () => {
  beforeAll(() => {
    // The process-level checks run the compiled entry points: build them first (incremental).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'chaincode'], { cwd: ROOT, stdio: 'inherit' });
  });

  it('listens on 127.0.0.1 at a port chosen at run time, registers with its id, and stops', async () => {
    const server = await startChaincodeServer({ ccid: CCID, address: '127.0.0.1:0' });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.address).toBe(`127.0.0.1:${server.port}`);
      const peer = await ChaincodeStreamPeer.connect(server.address);
      expect(peer.chaincodeId).toBe(CCID);
      peer.close();
    } finally {
      await server.close();
    }
    await expect(tcpConnect(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves TLS when given a key pair; a peer trusting the CA completes the handshake', async () => {
    const ca = createTestCa('Org1MSP');
    const tls = ca.issueServer({ CN: 'evidence-chaincode' }, { dns: ['evidence-chaincode'], ip: ['127.0.0.1'] });
    const server = await startChaincodeServer({
      ccid: CCID,
      address: '127.0.0.1:0',
      tls: { key: Buffer.from(tls.privateKey), cert: Buffer.from(tls.certificate) },
    });
    try {
      const peer = await ChaincodeStreamPeer.connect(server.address, {
        credentials: credentials.createSsl(Buffer.from(ca.certificate)),
        serverName: 'evidence-chaincode',
      });
      expect(peer.chaincodeId).toBe(CCID);
      peer.close();
      const stranger = createTestCa('OtherMSP');
      await expect(ChaincodeStreamPeer.connect(server.address, { credentials: credentials.createSsl(Buffer.from(stranger.certificate)), serverName: 'evidence-chaincode' })).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('starts from the environment as `npm run start:ccaas` does, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['dist/server.js'], {
      cwd: join(ROOT, 'chaincode'),
      env: { ...process.env, CHAINCODE_ID: CCID, CHAINCODE_SERVER_ADDRESS: '127.0.0.1:0' },
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      expect(line).toContain('链码服务已在');
      const peer = await ChaincodeStreamPeer.connect(`127.0.0.1:${port}`);
      expect(peer.chaincodeId).toBe(CCID);
      peer.close();
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
    }
  });

  it("keeps fabric-shim out of the package's main entry, which the gateway loads with fabric-gateway", () => {
    const probe = `await import('@evidence/chaincode');
      const { createRequire } = await import('node:module');
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ shim: cache.some((k) => k.includes('/fabric-shim/')), gateway: cache.some((k) => k.includes('/fabric-gateway/')) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: join(ROOT, 'chaincode'), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ shim: false, gateway: true });
  });

  it('exits 2 with a bilingual message when misconfigured', () => {
    const r = spawnSync(process.execPath, ['dist/server.js'], { cwd: join(ROOT, 'chaincode'), env: { ...process.env, CHAINCODE_ID: '' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('配置错误');
    expect(r.stderr).toContain('CHAINCODE_ID');
  });
});

/** A chaincode server of its own on loopback, a peer speaking the chaincode protocol to it, and a network on that peer. */
async function ccaasFixture(): Promise<AnchorFixture> {
  const server: RunningChaincodeServer = await startChaincodeServer({ ccid: CCID, address: '127.0.0.1:0' });
  const streamPeer = await ChaincodeStreamPeer.connect(server.address);
  const net = await createEvidenceNetwork({ endorser: streamPeer });
  const gateway = await net.registerGateway('H330100001');
  const intruderKey = generateSm2KeyPair();
  return {
    alg: 'sm3',
    gateway: { id: gateway.id, privateKey: gateway.privateKey, publicKey: gateway.publicKey },
    anchor: net.gatewayAnchor(gateway),
    intruder: net.anchorFor(net.identity('intruder'), (cp) => signCheckpoint(cp, intruderKey.privateKey)),
    verifiesSignature: true,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey(net.governorPort, gateway.id, publicKey);
    },
    close: async () => {
      streamPeer.close();
      await server.close();
    },
  };
}

describeAnchorConformance('Fabric adapter, chaincode served over the CCaaS protocol', ccaasFixture);
describeCheckpointConformance('Fabric adapter, chaincode served over the CCaaS protocol', ccaasFixture);

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
