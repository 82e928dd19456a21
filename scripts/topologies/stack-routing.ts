/**
 * The routing part of `npm start`: a star with one routing node (its own
 * process, registered on the local chain, which is where every hop key comes
 * from, and a witness of every gateway's checkpoints), a sample internal service for each institution (EMR query,
 * prescription review, echo) and each gateway's REMOTE_CONFIG publishing them.
 * Codes for naming signers come from a directory signed by a local operator key.
 * The links between the gateways and the node are mutual TLS with certificates
 * from a local CA in <dir>/tls (ECDSA P-256, made on first start), and
 * requests between institutions are sealed end to end; the hospital-facing
 * gateway APIs stay plain on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entityId, generateSm2KeyPair, toHex, type Sm2KeyPair } from '@evidence/core';
import { localAccounts, registerNode } from '@evidence/contracts';
import { loadOrCreateKeys } from '@evidence/gateway';
import { directoryEntry, loadOrCreateKey, signDirectory } from '@evidence/node';
import { issueDeviceCertificate, openLocalCa } from '@evidence/node/local-ca';
import { evmKeySource } from '@evidence/node/evm';
import { Wallet, type JsonRpcProvider } from 'ethers';
import { spawnNodeProcess } from './network.js';
import { startSampleService, type SampleService } from './sample-service.js';

export const STACK_NODE = 'RN-ZJ-01';
/** Development account that the routing node is registered with (gateways use 1..9). */
const NODE_ACCOUNT = 10;

export interface StackService {
  name: string;
  allow: '*' | string[];
  kind: 'record-access' | null;
  internalUrl: string;
}

export interface StackRouting {
  nodes: { code: string; id: string; url: string }[];
  /** The witness the routing node hosts at /v1/witness/* (its id and SM2 key, registered on chain). */
  witness: { code: string; id: string; url: string; publicKey: string };
  /** Extra environment of each gateway process (REMOTE_CONFIG). */
  env(code: string): Record<string, string>;
  services(code: string): StackService[];
  banner(gateways: { code: string; url: string; token: string }[]): string;
  close(): Promise<void>;
}

export async function startStackRouting(o: {
  dir: string;
  gatewayCodes: string[];
  chain: { rpcUrl: string; contract: string; provider: JsonRpcProvider };
  say: (m: string) => void;
}): Promise<StackRouting> {
  const nodeDir = join(o.dir, 'nodes', STACK_NODE);
  const nodeKeys = await loadOrCreateKey(nodeDir);
  const nodeId = toHex(entityId(STACK_NODE));

  // Hop keys come from the chain: the node is registered there like the gateways.
  const onChain = await evmKeySource({ runner: o.chain.provider, address: o.chain.contract })(nodeId);
  if (onChain === undefined) {
    const governor = new Wallet(localAccounts()[0]!.privateKey, o.chain.provider);
    await registerNode({ signer: governor, address: o.chain.contract }, { node: nodeId, account: localAccounts()[NODE_ACCOUNT]!.address, publicKey: nodeKeys.publicKey });
    o.say(`routing node ${STACK_NODE} registered / 路由设备已登记`);
  } else if (onChain !== nodeKeys.publicKey) {
    o.say(`WARNING: ${STACK_NODE} is registered with another SM2 key; its hops will not verify / 警告：链上登记的公钥不同，其签名将无法验证`);
  }

  // The directory only names signers here (keys come from the chain).
  const operator = await operatorKey(o.dir);
  const directoryFile = join(o.dir, 'directory.json');
  const gatewayKeys = await Promise.all(o.gatewayCodes.map(async (code) => ({ code, keys: (await loadOrCreateKeys(join(o.dir, 'gateways', code))).sm2 })));
  const directory = signDirectory(
    {
      format: 'evidence-directory/1',
      network: 'local',
      version: Date.now(),
      issuedAt: Date.now(),
      entries: [directoryEntry(STACK_NODE, nodeKeys.publicKey, 'node'), ...gatewayKeys.map((g) => directoryEntry(g.code, g.keys.publicKey, 'gateway'))],
    },
    operator.privateKey,
    operator.publicKey,
  );
  await writeFile(directoryFile, `${JSON.stringify(directory, null, 2)}\n`);
  const keySources = { chain: { rpcUrl: o.chain.rpcUrl, contract: o.chain.contract }, directory: { file: directoryFile, operatorKey: operator.publicKey } };

  // The network's CA and one certificate per device: the node's listener and every link are mutual TLS.
  const ca = await openLocalCa(join(o.dir, 'tls'));
  const nodeTls = await issueDeviceCertificate(ca, STACK_NODE);
  const node = await spawnNodeProcess(join(nodeDir, 'node.json'), { code: STACK_NODE, host: '127.0.0.1', port: 0, dataDir: nodeDir, ...keySources, tls: nodeTls }, (line) =>
    o.say(`[${STACK_NODE}] ${line}`),
  );
  o.say(`routing node / 路由设备 ${STACK_NODE}  ${node.url}`);

  const services = new Map<string, StackService[]>();
  const running: SampleService[] = [];
  const env = new Map<string, Record<string, string>>();
  for (const code of o.gatewayCodes) {
    const service = await startSampleService(code);
    running.push(service);
    const published: StackService[] = [
      { name: 'emr.query', allow: '*', kind: 'record-access', internalUrl: `${service.url}/emr` },
      { name: 'rx.review', allow: '*', kind: null, internalUrl: `${service.url}/rx` },
      { name: 'echo', allow: '*', kind: null, internalUrl: `${service.url}/echo` },
    ];
    services.set(code, published);
    const file = join(o.dir, 'gateways', code, 'remote.json');
    const config = {
      node: { code: STACK_NODE, url: node.url },
      tls: await issueDeviceCertificate(ca, code),
      network: { host: '127.0.0.1', port: 0 },
      ...keySources,
      services: published.map((s) => ({ name: s.name, url: s.internalUrl, allow: s.allow, ...(s.kind ? { kind: s.kind } : {}) })),
    };
    await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    // The gateway also reaches the node's witness over https: the local CA is one it trusts.
    env.set(code, { REMOTE_CONFIG: file, NODE_EXTRA_CA_CERTS: ca.caFile });
  }

  return {
    nodes: [{ code: STACK_NODE, id: node.id, url: node.url }],
    witness: { code: STACK_NODE, id: node.id, url: node.url, publicKey: nodeKeys.publicKey },
    env: (code) => env.get(code) ?? {},
    services: (code) => services.get(code) ?? [],
    banner(gateways) {
      const [a, b] = gateways;
      if (!a || !b) return '';
      return [
        '',
        `Routing / 路由: ${STACK_NODE} ${node.url} (star / 星型, mutual TLS from ${ca.caFile} / 双向 TLS; requests sealed end to end / 端到端加密); each gateway publishes emr.query, rx.review, echo / 各网关发布上述服务`,
        `Query ${b.code}'s EMR from ${a.code} through the network / 经路由网络调阅 ${b.code} 的病历:`,
        `  curl -s -X POST ${a.url}/v1/remote/${b.code}/emr.query/query \\`,
        `    -H 'authorization: Bearer ${a.token}' -H 'content-type: application/json' -d '{"patient":"p-001","scope":["Observation"]}'`,
        `Its signed trace / 签名轨迹:  curl -s -H 'authorization: Bearer ${a.token}' ${a.url}/v1/traces/<requestId> > trace.json`,
        `  node core/bin/evidence.js verify-trace trace.json`,
      ].join('\n');
    },
    async close() {
      await stopChild(node.child);
      for (const s of running) await s.close();
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The local network operator's key (signs the directory), created once (mode 0600). */
async function operatorKey(dir: string): Promise<Sm2KeyPair> {
  const file = join(dir, 'operator-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Sm2KeyPair;
  } catch {
    const pair = generateSm2KeyPair();
    await writeFile(file, `${JSON.stringify(pair)}\n`, { mode: 0o600 });
    return pair;
  }
}
