import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keyLookupFrom, verifyTrace, type Hop, type TraceNode, type TraceOptions } from '@evidence/core';
import { startNetwork, type Network, type NetworkOptions } from '../../scripts/topologies/network.js';
import { parseTopology, type Topology } from '../../scripts/topologies/topology.js';

/** Three nodes in a line between two institutions: RN-1 - RN-M - RN-3. */
export const LINE: Topology = {
  name: 'line',
  nodes: [{ code: 'RN-1' }, { code: 'RN-M' }, { code: 'RN-3' }],
  links: [
    ['RN-1', 'RN-M'],
    ['RN-M', 'RN-3'],
  ],
  gateways: [
    { code: 'H330100001', node: 'RN-1', services: [{ name: 'echo', path: '/echo', allow: '*' }] },
    {
      code: 'H330200001',
      node: 'RN-3',
      services: [
        { name: 'emr.query', path: '/emr', allow: '*', kind: 'record-access' },
        { name: 'echo', path: '/echo', allow: '*' },
      ],
    },
  ],
};

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface TraceDoc {
  hops: Hop[];
  nodes: TraceNode[];
}

export async function loadTopology(name: string): Promise<Topology> {
  return parseTopology(JSON.parse(await readFile(join(REPO, 'scripts/topologies', `${name}.json`), 'utf8')));
}

/** A network on 127.0.0.1 in a fresh data folder, with fast timers; stop() also removes the folder. */
export async function testNetwork(topology: Topology, options: Partial<NetworkOptions> = {}): Promise<Network> {
  const dir = await mkdtemp(join(tmpdir(), `routing-${topology.name}-`));
  const net = await startNetwork(topology, { dir, timers: { keepaliveMs: 200, holdMs: 1500 }, ...options });
  const stop = net.stop.bind(net);
  net.stop = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  return net;
}

/** `evidence verify-trace FILE --json`, the lead's CLI, run as a process on a trace document. */
export async function verifyWithCli(doc: TraceDoc & Partial<Pick<TraceOptions, 'request' | 'response'>>): Promise<{
  valid: boolean;
  failedHop: number | null;
  failedCheck: string | null;
  message: string;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'trace-'));
  const file = join(dir, 'trace.json');
  await writeFile(file, JSON.stringify(doc));
  try {
    const { stdout } = await run(process.execPath, [join(REPO, 'core/bin/evidence.js'), 'verify-trace', file, '--json']).catch(
      (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as { valid: boolean; failedHop: number | null; failedCheck: string | null; message: string };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function verifyDoc(doc: TraceDoc, options?: TraceOptions) {
  return verifyTrace(doc.hops, keyLookupFrom(doc.nodes), options);
}

/** Codes of the signers of a trace, in hop order. */
export function signers(doc: TraceDoc): string[] {
  const code = new Map(doc.nodes.map((n) => [n.id, n.code ?? n.id]));
  return doc.hops.map((h) => code.get(h.node) ?? h.node);
}

/**
 * Calls `to`'s echo service from `from`'s gateway and checks the answer and its
 * trace with the core verifier and the `evidence verify-trace` CLI. Returns
 * the trace and the codes of its signers.
 */
export async function echoCall(
  net: Network,
  from: string,
  to: string,
  cli = true,
): Promise<{ trace: TraceDoc; signers: string[]; requestId: string; request: { method: string; path: string; body: unknown } }> {
  const body = { from, to, at: Date.now() };
  const path = `/ping?from=${from}`;
  const res = await net.call(from, to, 'echo', path, { body });
  if (res.status !== 200) throw new Error(`${from} -> ${to}: ${res.status} ${JSON.stringify(res.body)}`);
  const answer = { institution: to, method: 'POST', path: `/echo${path}`, body };
  const response = res.body.response as { status: number; body: unknown };
  if (JSON.stringify(response) !== JSON.stringify({ status: 200, body: answer })) throw new Error(`unexpected answer ${JSON.stringify(response)}`);
  const trace = res.body.trace as TraceDoc;
  const request = { method: 'POST', path, body };
  const core = verifyDoc(trace, { request, response });
  if (!core.valid) throw new Error(`${from} -> ${to}: ${core.message}`);
  if (cli) {
    const out = await verifyWithCli({ ...trace, request, response });
    if (!out.valid) throw new Error(`${from} -> ${to}: evidence verify-trace: ${out.message}`);
  }
  return { trace, signers: signers(trace), requestId: res.body.requestId as string, request };
}
