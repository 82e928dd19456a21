/**
 * What a routing node and the wire between institutions see of a call: a
 * recording TCP proxy on 127.0.0.1 between the calling gateway and its node
 * and between nodes, the nodes' stored traces, metrics and logs, and the
 * whole memory of a node running as its own process (/proc/<pid>/mem, every
 * readable mapping: JS strings and buffers alike) hold no byte of the
 * request or the response.
 */
import { open } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../scripts/topologies/network.js';
import { LINE, testNetwork, verifyDoc, type TraceDoc } from './support.js';

/** In the request only (path, query, body). */
const REQUEST_MARKER = 'Zhang-San-330102199001011234';
/** In the response only: the sample EMR's answer to GET /emr/patients/:id names this allergy. */
const RESPONSE_MARKER = 'penicillin';

interface Capture {
  url: string;
  bytes: Buffer[];
  close(): Promise<void>;
}

/** A TCP proxy recording both directions. */
async function recordingProxy(target: string): Promise<Capture> {
  const { hostname, port } = new URL(target);
  const bytes: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => bytes.push(Buffer.from(d)));
    upstream.on('data', (d: Buffer) => bytes.push(Buffer.from(d)));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: local } = server.address() as net.AddressInfo;
  return {
    url: `${new URL(target).protocol}//127.0.0.1:${local}`,
    bytes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const contains = (haystack: Buffer, marker: string) => haystack.includes(Buffer.from(marker)) || haystack.includes(Buffer.from(marker, 'utf16le'));

describe('a call crossing three routing nodes over TLS with sealed requests', () => {
  let network: Network;
  const captures = new Map<string, Capture>();
  const logs: string[] = [];
  const requestIds: string[] = [];
  const saved = process.env.LOG_LEVEL;

  beforeAll(async () => {
    // RN-M runs as its own process, logging every request (info), so its memory and log are its own.
    process.env.LOG_LEVEL = 'info';
    try {
      network = await testNetwork(LINE, {
        processNodes: ['RN-M'],
        processLog: (_code, line) => logs.push(line),
        through: async (from, to, url) => {
          const c = await recordingProxy(url);
          captures.set(`${from}>${to}`, c);
          return c.url;
        },
      });
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
    await network.converged();
  });
  afterAll(async () => {
    await network?.stop();
    for (const c of captures.values()) await c.close();
  });

  it('the calls go through and their traces verify with the plaintext the gateways hold', async () => {
    const get = await network.call('H330100001', 'H330200001', 'emr.query', `/patients/${REQUEST_MARKER}?name=${REQUEST_MARKER}`);
    expect(get.status).toBe(200);
    expect(JSON.stringify(get.body.response)).toContain(RESPONSE_MARKER);
    const body = { patient: REQUEST_MARKER, note: `${REQUEST_MARKER} 张三` };
    const post = await network.call('H330100001', 'H330200001', 'echo', `/x?who=${REQUEST_MARKER}`, { body });
    expect(post.status).toBe(200);
    expect(verifyDoc(post.body.trace as TraceDoc, { request: { method: 'POST', path: `/x?who=${REQUEST_MARKER}`, body }, response: post.body.response as never })).toMatchObject({ valid: true });
    requestIds.push(get.body.requestId as string, post.body.requestId as string);
    expect(network.gateways.get('H330200001')!.service.received.some((r) => r.path.includes(REQUEST_MARKER))).toBe(true);
  });

  it('a capture between the gateway and its node, and between nodes, sees TLS and no marker', () => {
    expect([...captures.keys()].sort()).toEqual(expect.arrayContaining(['H330100001>RN-1', 'RN-1>RN-M', 'RN-M>RN-3']));
    for (const [link, c] of captures) {
      const all = Buffer.concat(c.bytes);
      expect(all.length, link).toBeGreaterThan(0);
      // Every connection opens with a TLS handshake record.
      expect(all[0], link).toBe(0x16);
      expect(contains(all, REQUEST_MARKER), link).toBe(false);
      expect(contains(all, RESPONSE_MARKER), link).toBe(false);
    }
  });

  it("the nodes' stored traces and metrics hold no marker, and say which checks were made", async () => {
    for (const [code, node] of network.nodes) {
      for (const id of requestIds) {
        const doc = await network.get(`${node.url}/v1/traces/${id}`);
        expect(doc.status, code).toBe(200);
        expect(doc.body.checks, code).toEqual(['structure', 'signatures', 'digests', 'envelope', 'tlsPeer']);
        const text = JSON.stringify(doc.body);
        expect(text.includes(REQUEST_MARKER) || text.includes(RESPONSE_MARKER), code).toBe(false);
      }
      const metrics = await (await network.linkClient('network-operator')).request('GET', `${node.url}/metrics`, undefined, { timeoutMs: 5000, maxResponseBytes: 1 << 22 });
      const text = metrics.body.toString();
      expect(text, code).toMatch(/evidence_node_checks_total\{check="envelope"/);
      expect(text.includes(REQUEST_MARKER) || text.includes(RESPONSE_MARKER), code).toBe(false);
    }
  });

  it("the process node's log holds no marker", () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line.includes(REQUEST_MARKER) || line.includes(RESPONSE_MARKER)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')("the process node's whole memory holds no marker", { timeout: 120_000 }, async () => {
    const pid = network.nodes.get('RN-M')!.child!.pid!;
    const maps = (await (await open(`/proc/${pid}/maps`)).readFile('utf8')).split('\n');
    const mem = await open(`/proc/${pid}/mem`, 'r');
    let scanned = 0;
    let sawOwnCode = false;
    try {
      for (const line of maps) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
        if (!m || line.includes('[vvar]') || line.includes('[vsyscall]')) continue;
        const start = Number.parseInt(m[1]!, 16);
        const end = Number.parseInt(m[2]!, 16);
        // Regions read in chunks that overlap by the marker's length, so no marker is split unseen.
        const chunk = 8 << 20;
        for (let at = start; at < end; at += chunk) {
          const length = Math.min(chunk + 64, end - at);
          const buf = Buffer.alloc(length);
          let n = 0;
          try {
            ({ bytesRead: n } = await mem.read(buf, 0, length, at));
          } catch {
            break; // an unreadable guard page
          }
          const view = buf.subarray(0, n);
          scanned += n;
          if (!sawOwnCode && view.includes(Buffer.from('RN-M'))) sawOwnCode = true;
          expect(contains(view, REQUEST_MARKER)).toBe(false);
          expect(contains(view, RESPONSE_MARKER)).toBe(false);
        }
      }
    } finally {
      await mem.close();
    }
    // The dump is real: tens of megabytes, holding the node's own strings.
    expect(scanned).toBeGreaterThan(20 << 20);
    expect(sawOwnCode).toBe(true);
  });
});
