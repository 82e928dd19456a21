/**
 * Witnesses cosigning a gateway's checkpoints, end to end: real gateways
 * anchoring on an in-process chain, witnesses over HTTP on 127.0.0.1 (ports
 * chosen at run time), bundles fetched and checked with the core verifier
 * under a witness policy.
 *
 * The witness here is a small HTTP server written for this test that follows
 * the contract faithfully (it checks the gateway's registered key and
 * signature, the consistency proof from the last size it cosigned, keeps that
 * size, answers 409 WITNESS_WRONG_BASE), and can be made to misbehave: hang,
 * answer garbage, sign with a key nobody configured, claim another witness's id.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkConsistency,
  cosignCheckpoint,
  encodeCheckpoint,
  fromHex,
  generateSm2KeyPair,
  hashFor,
  parseWitnessPolicy,
  randomOf,
  toHex,
  verifyBundle,
  verifyCheckpointSignature,
  type AnyProofBundle,
  type Checkpoint,
  type Cosignature,
  type ProofBundleV2,
} from '@evidence/core';
import { inProcessEvm, type EvmFixture } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, gatewayPublicKey, settled, startGateway, tempDir, type RunningGateway } from './support/gateway.js';

// --- the witness --------------------------------------------------------------------------------------------

type Mode = 'honest' | 'hang' | 'garbage' | 'foreign-key' | 'other-id';

interface WitnessState {
  size: number;
  root: string;
  alg: string;
}

interface SeenRequest {
  from: number;
  size: number;
  proof: string[];
  answered: number;
}

class TestWitness {
  readonly requests: SeenRequest[] = [];
  /** Per gateway: the last checkpoint this witness cosigned. */
  readonly state = new Map<string, WitnessState>();
  private held: (() => void)[] = [];
  private holding = false;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  constructor(
    readonly id: string,
    readonly keys: { privateKey: string; publicKey: string },
    /** Registered gateway keys, as a witness reads them from the registry. */
    private readonly gateways: Map<string, string>,
    public mode: Mode = 'honest',
    /** For 'other-id': the id it puts in its cosignatures instead of its own. */
    private readonly claims?: string,
  ) {}

  static async start(gateways: Map<string, string>, options: { mode?: Mode; port?: number; claims?: string; like?: TestWitness } = {}): Promise<TestWitness> {
    const w = options.like
      ? new TestWitness(options.like.id, options.like.keys, gateways, options.mode ?? 'honest')
      : new TestWitness(toHex(randomOf(32)), generateSm2KeyPair(), gateways, options.mode ?? 'honest', options.claims);
    if (options.like) for (const [g, s] of options.like.state) w.state.set(g, { ...s });
    await w.listen(options.port ?? 0);
    return w;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The entry of WITNESSES for it, with the key it should be trusted with (another one for 'foreign-key'). */
  entry(code: string, publicKey = this.keys.publicKey) {
    return { id: this.id, url: this.url, publicKey, code };
  }

  /** Answers are held (the decision taken and kept, the reply not sent) until release(). */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const r of this.held.splice(0)) r();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += (chunk as Buffer).toString();
    if (this.mode === 'hang') return;
    if (req.method !== 'POST' || req.url !== '/v1/witness/cosign') return send(res, 404, { code: 'WITNESS_NOT_FOUND', message: 'no such route' });
    if (this.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"cosignature": {"witness": ');
      return;
    }
    const [status, answer] = this.decide(body);
    if (this.holding) await new Promise<void>((r) => this.held.push(r));
    send(res, status, answer);
  }

  /** The contract's checks, in order, on a request anyone could have sent. */
  private decide(body: string): [number, object] {
    const refuse = (status: number, code: string, message: string, extra: object = {}): [number, object] => [status, { code, message, ...extra }];
    let r: { checkpoint: Checkpoint; signature: { alg: string; publicKey: string; value: string }; from: number; proof: string[] };
    try {
      r = JSON.parse(body) as typeof r;
      encodeCheckpoint(r.checkpoint);
      if (r.signature?.alg !== 'sm2' || !Number.isSafeInteger(r.from) || r.from < 0 || !Array.isArray(r.proof) || r.proof.length > 128) throw new Error('bad fields');
      r.proof.forEach((p) => fromHex(p, 32));
    } catch (e) {
      return refuse(400, 'WITNESS_BAD_REQUEST', (e as Error).message);
    }
    const cp = r.checkpoint;
    const registered = this.gateways.get(cp.gateway);
    if (!registered) return refuse(403, 'WITNESS_UNKNOWN_GATEWAY', 'not registered');
    if (r.signature.publicKey !== registered) return refuse(403, 'WITNESS_WRONG_KEY', 'not the registered key');
    if (!verifyCheckpointSignature(cp, fromHex(r.signature.value, 64), registered)) return refuse(400, 'WITNESS_BAD_SIGNATURE', 'signature does not verify');
    if (Math.abs(cp.ts - Date.now()) > 120_000) return refuse(400, 'WITNESS_CLOCK_SKEW', 'too far from my clock');
    const last = this.state.get(cp.gateway);
    const base = last?.size ?? 0;
    this.requests.push({ from: r.from, size: cp.size, proof: r.proof, answered: 0 });
    if (r.from !== base) return refuse(409, 'WITNESS_WRONG_BASE', `I last cosigned ${base}`, { size: base });
    if (last) {
      if (cp.size < last.size) return refuse(409, 'WITNESS_STALE', 'older than what I cosigned');
      if (cp.alg !== last.alg) return refuse(409, 'WITNESS_FORK', 'another algorithm');
      if (cp.size === last.size) {
        if (r.proof.length > 0) return refuse(400, 'WITNESS_BAD_REQUEST', 'equal sizes take an empty proof');
        if (cp.root !== last.root) return refuse(409, 'WITNESS_FORK', 'another root at the same size');
      } else {
        let holds: boolean;
        try {
          holds = checkConsistency(hashFor(cp.alg), last.size, cp.size, fromHex(last.root, 32), fromHex(cp.root, 32), r.proof.map((p) => fromHex(p, 32)));
        } catch (e) {
          return refuse(400, 'WITNESS_BAD_REQUEST', (e as Error).message);
        }
        if (!holds) return refuse(409, 'WITNESS_FORK', `size ${cp.size} does not extend size ${last.size} I cosigned`);
      }
    } else if (r.proof.length > 0) return refuse(400, 'WITNESS_BAD_REQUEST', 'nothing cosigned yet: the proof must be empty');
    this.state.set(cp.gateway, { size: cp.size, root: cp.root, alg: cp.alg });
    this.requests.at(-1)!.answered = 200;
    let cosignature: Cosignature;
    if (this.mode === 'foreign-key') cosignature = cosignCheckpoint(cp, { id: this.id, ...this.keys }, Date.now());
    else if (this.mode === 'other-id') cosignature = cosignCheckpoint(cp, { id: this.claims!, ...this.keys }, Date.now());
    else cosignature = cosignCheckpoint(cp, { id: this.id, ...this.keys }, Date.now());
    return [200, { cosignature }];
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A port nothing listens on (a dead witness); it may be listened on later, by the witness coming back. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

// --- the gateways -------------------------------------------------------------------------------------------

let evm: EvmFixture;
const dir = tempDir('gw-witnesses-');
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  evm = await inProcessEvm();
}, 120_000);
afterAll(async () => {
  for (const r of running.reverse()) await r.close().catch(() => undefined);
  await evm?.close();
  dir.remove();
});

let accounts = 0;
/** A registered gateway's code, data folder and key, before its first start. */
async function prepareGateway(code: string) {
  const data = `${dir.path}/${code}`;
  const publicKey = await gatewayPublicKey(data);
  const account = ++accounts;
  const id = await evm.register(code, publicKey, account);
  return { code, data, publicKey, id, account };
}

async function start(g: Awaited<ReturnType<typeof prepareGateway>>, witnesses: object[], env: Record<string, string>): Promise<RunningGateway> {
  const gw = await startGateway(
    baseEnv(g.code, g.data, { ANCHOR: 'none', BATCH_MAX_AGE_MS: '200', ANCHOR_MIN_INTERVAL_MS: '0', WITNESSES: JSON.stringify(witnesses), ...env }),
    { anchor: evm.anchorFor(g.account) },
  );
  running.push(gw);
  return gw;
}

async function record(gw: RunningGateway, n: number, tag: string): Promise<string[]> {
  const r = await gw.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: n }, (_, i) => mixedEvent(i, tag)) });
  expect(r.status).toBe(202);
  return r.body.items.map((x) => x.id);
}

async function bundle(gw: RunningGateway, id: string): Promise<ProofBundleV2> {
  const r = await gw.client.proof(id);
  expect(r.status).toBe(200);
  expect(r.body.format).toBe('evidence-proof/2');
  return r.body as ProofBundleV2;
}

const cosigners = (b: AnyProofBundle) => ((b as ProofBundleV2).log?.cosignatures ?? []).map((c) => c.witness).sort();
const policy = (quorum: number, ws: TestWitness[]) => parseWitnessPolicy({ quorum, witnesses: ws.map((w) => ({ id: w.id, publicKey: w.keys.publicKey })) });

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Health {
  status: string;
  anchoring: { state: string };
  witnessQuorum: number;
  witnesses: { id: string; code: string | null; url: string; lastCosignedSize: number; lastError: { code: string; message: string } | null; lastSuccessAt: number | null; failing: boolean }[];
}
const health = async (gw: RunningGateway) => (await gw.client.get<Health>('/healthz')).body;

/** The value of one series of /metrics, 0 when absent. */
async function metric(gw: RunningGateway, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${gw.url}/metrics`);
  const lines = (await res.text()).split('\n').filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

// --- the cases ----------------------------------------------------------------------------------------------

describe('witnesses cosign a gateway’s checkpoints', () => {
  it('with 3 witnesses and quorum 2, served bundles carry at least 2 valid cosignatures; the third, late, is carried by bundles served later', async () => {
    const g = await prepareGateway('HWIT0001');
    const keys = new Map([[g.id, g.publicKey]]);
    const [a, b, c] = [await TestWitness.start(keys), await TestWitness.start(keys), await TestWitness.start(keys)];
    running.push(a, b, c);
    // C decides at once but its answer is held back: it arrives long after the quorum, within WITNESS_TIMEOUT_MS.
    c.hold();
    const gw = await start(g, [a.entry('RN-A'), b.entry('RN-B'), c.entry('RN-C')], { WITNESS_QUORUM: '2', WITNESS_TIMEOUT_MS: '20000' });

    const ids = await record(gw, 12, 'quorum');
    await settled(gw.client, 30_000);
    const first = await bundle(gw, ids[0]!);
    expect(first.anchor).not.toBeNull();
    expect(cosigners(first)).toEqual([a.id, b.id].sort());
    expect(verifyBundle(first, { witnesses: policy(2, [a, b, c]) })).toMatchObject({ valid: true });
    expect(verifyBundle(first, { witnesses: policy(3, [a, b, c]) })).toMatchObject({ valid: false, failedStep: 'witnesses' });

    c.release();
    const later = await until('the late cosignature in a bundle', async () => {
      const x = await bundle(gw, ids[5]!);
      return cosigners(x).length === 3 ? x : null;
    });
    // The same anchored checkpoint, now with C's cosignature too.
    expect(later.log.checkpoint).toEqual(first.log.checkpoint);
    expect(later.anchor).toEqual(first.anchor);
    expect(cosigners(later)).toEqual([a.id, b.id, c.id].sort());
    expect(verifyBundle(later, { witnesses: policy(3, [a, b, c]) })).toMatchObject({ valid: true });
    for (const id of ids) expect(verifyBundle(await bundle(gw, id), { witnesses: policy(3, [a, b, c]) })).toMatchObject({ valid: true });

    const h = await health(gw);
    expect(h).toMatchObject({ status: 'ok', witnessQuorum: 2 });
    expect(h.witnesses.map((w) => [w.code, w.lastCosignedSize, w.failing])).toEqual([
      ['RN-A', first.log.checkpoint.size, false],
      ['RN-B', first.log.checkpoint.size, false],
      ['RN-C', first.log.checkpoint.size, false],
    ]);
    for (const w of [a, b, c]) expect(await metric(gw, 'evidence_witness_cosignatures_total', { witness: w.id })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('anchors on with a dead and a hanging witness, names them in /healthz, and takes the dead one’s cosignature once it is back', async () => {
    const g = await prepareGateway('HWIT0002');
    const keys = new Map([[g.id, g.publicKey]]);
    const a = await TestWitness.start(keys);
    const hanging = await TestWitness.start(keys, { mode: 'hang' });
    running.push(a, hanging);
    // The dead witness's identity, and the port it will come back on.
    const deadPort = await closedPort();
    const deadIdentity = new TestWitness(toHex(randomOf(32)), generateSm2KeyPair(), keys);
    const deadEntry = { id: deadIdentity.id, url: `http://127.0.0.1:${deadPort}`, publicKey: deadIdentity.keys.publicKey, code: 'RN-DEAD' };
    const gw = await start(g, [a.entry('RN-A'), deadEntry, hanging.entry('RN-HANG')], { WITNESS_QUORUM: '2', WITNESS_TIMEOUT_MS: '1500' });

    const ids = await record(gw, 10, 'dead');
    const started = Date.now();
    await settled(gw.client, 30_000);
    // Anchored although the quorum was never met: the wait for it is bounded by WITNESS_TIMEOUT_MS.
    expect(Date.now() - started).toBeLessThan(15_000);
    const b1 = await bundle(gw, ids[0]!);
    expect(b1.anchor).not.toBeNull();
    expect(cosigners(b1)).toEqual([a.id]);
    expect(verifyBundle(b1, { witnesses: policy(1, [a, deadIdentity, hanging]) })).toMatchObject({ valid: true });
    expect(verifyBundle(b1, { witnesses: policy(2, [a, deadIdentity, hanging]) })).toMatchObject({ valid: false, failedStep: 'witnesses' });

    const h = await until('both failures in /healthz', async () => {
      const x = await health(gw);
      return x.witnesses.every((w) => w.code === 'RN-A' || w.lastError) ? x : null;
    });
    expect(h.status).toBe('degraded');
    expect(h.anchoring.state).toBe('ready');
    const byCode = Object.fromEntries(h.witnesses.map((w) => [w.code, w]));
    expect(byCode['RN-DEAD']).toMatchObject({ url: deadEntry.url, failing: true, lastSuccessAt: null, lastError: { code: 'WITNESS_UNREACHABLE' } });
    expect(byCode['RN-HANG']).toMatchObject({ failing: true, lastError: { code: 'WITNESS_TIMEOUT' } });
    expect(byCode['RN-A']).toMatchObject({ failing: false, lastError: null });
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: deadEntry.id, code: 'WITNESS_UNREACHABLE' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: hanging.id, code: 'WITNESS_TIMEOUT' })).toBeGreaterThanOrEqual(1);

    // The dead witness comes back on its port: the gateway, still asking, gets its cosignature of the anchored checkpoint.
    const back = await TestWitness.start(keys, { like: deadIdentity, port: deadPort });
    running.push(back);
    const b2 = await until(
      'the returned witness’s cosignature',
      async () => {
        const x = await bundle(gw, ids[3]!);
        return cosigners(x).includes(back.id) ? x : null;
      },
      40_000,
    );
    expect(b2.log.checkpoint).toEqual(b1.log.checkpoint);
    expect(verifyBundle(b2, { witnesses: policy(2, [a, deadIdentity, hanging]) })).toMatchObject({ valid: true });
    const after = await health(gw);
    expect(after.status).toBe('ok');
    expect(after.witnesses.find((w) => w.code === 'RN-DEAD')).toMatchObject({ failing: false, lastCosignedSize: b1.log.checkpoint.size, lastError: { code: 'WITNESS_UNREACHABLE' } });
  }, 90_000);

  it('after both restart, a witness that has seen size N answers 409 and the gateway asks again with the proof from N', async () => {
    const g = await prepareGateway('HWIT0003');
    const keys = new Map([[g.id, g.publicKey]]);
    let w = await TestWitness.start(keys);
    const entry = w.entry('RN-R');
    let gw = await start(g, [entry], { WITNESS_QUORUM: '1' });
    const early = await record(gw, 8, 'before');
    await settled(gw.client, 30_000);
    const n = (await bundle(gw, early[0]!)).log.checkpoint.size;
    expect(w.state.get(g.id)?.size).toBe(n);

    // The gateway restarts (it forgets what each witness cosigned) and so does the witness, on its port, keeping its state.
    await gw.close();
    await w.close();
    w = await TestWitness.start(keys, { like: w, port: w.port });
    running.push(w);
    gw = await start(g, [entry], { WITNESS_QUORUM: '1' });
    const more = await record(gw, 8, 'after');
    await settled(gw.client, 30_000);
    const b = await bundle(gw, more[0]!);
    const m = b.log.checkpoint.size;
    expect(m).toBeGreaterThan(n);
    expect(cosigners(b)).toEqual([w.id]);
    expect(verifyBundle(b, { witnesses: policy(1, [w]) })).toMatchObject({ valid: true });
    // Asked from 0 (nothing known), refused with 409 naming n, asked again from n with a proof it checked.
    const asked = w.requests.filter((r) => r.size === m);
    expect(asked.map((r) => [r.from, r.answered])).toEqual([
      [0, 0],
      [n, 200],
    ]);
    expect(asked[1]!.proof.length).toBeGreaterThan(0);
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: w.id })).toBe(0);
    expect((await health(gw)).witnesses[0]).toMatchObject({ lastCosignedSize: m, lastError: null });
  }, 90_000);

  it('keeps no forged cosignature (a key nobody configured, another witness’s id, garbage) and raises the alarm on a fork', async () => {
    const g = await prepareGateway('HWIT0004');
    const keys = new Map([[g.id, g.publicKey]]);
    const a = await TestWitness.start(keys);
    // Configured with one key, signs with another (valid signatures, by the wrong key).
    const foreign = await TestWitness.start(keys, { mode: 'foreign-key' });
    const configuredKey = generateSm2KeyPair().publicKey;
    // Cosigns with its own key but puts A's id in the cosignature.
    const impostor = await TestWitness.start(keys, { mode: 'other-id', claims: a.id });
    const garbage = await TestWitness.start(keys, { mode: 'garbage' });
    // Holds, for this gateway, a size-1 checkpoint with a root this log never had.
    const forked = await TestWitness.start(keys);
    forked.state.set(g.id, { size: 1, root: toHex(randomOf(32)), alg: 'keccak256' });
    running.push(a, foreign, impostor, garbage, forked);
    const gw = await start(
      g,
      [a.entry('RN-A'), foreign.entry('RN-FOREIGN', configuredKey), impostor.entry('RN-IMPOSTOR'), garbage.entry('RN-GARBAGE'), forked.entry('RN-FORKED')],
      { WITNESS_QUORUM: '1', WITNESS_TIMEOUT_MS: '1500', BATCH_SIZE: '4' },
    );
    // Several batches, so the fork shows from size 1 (empty proof, another root) or from a proof that does not hold.
    const ids = await record(gw, 12, 'forged');
    await settled(gw.client, 30_000);
    const h = await until('every witness answered', async () => {
      const x = await health(gw);
      return x.witnesses.every((w) => w.lastSuccessAt || w.lastError) ? x : null;
    });
    const byCode = Object.fromEntries(h.witnesses.map((w) => [w.code, w]));
    expect(byCode['RN-FOREIGN']!.lastError).toMatchObject({ code: 'WITNESS_BAD_COSIGNATURE', message: expect.stringMatching(/another key/) });
    expect(byCode['RN-IMPOSTOR']!.lastError).toMatchObject({ code: 'WITNESS_BAD_COSIGNATURE', message: expect.stringMatching(/names witness/) });
    expect(byCode['RN-GARBAGE']!.lastError).toMatchObject({ code: 'WITNESS_BAD_ANSWER' });
    expect(byCode['RN-FORKED']!.lastError).toMatchObject({ code: 'WITNESS_FORK' });
    expect(byCode['RN-A']).toMatchObject({ failing: false });
    expect(h.status).toBe('ok');

    for (const id of ids) {
      const b = await bundle(gw, id);
      // Only A's: the forged ones were never stored, so every bundle still passes step 7.
      expect(cosigners(b)).toEqual([a.id]);
      expect(verifyBundle(b, { witnesses: policy(1, [a, impostor, garbage, forked]) })).toMatchObject({ valid: true });
    }
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: foreign.id, code: 'WITNESS_BAD_COSIGNATURE' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: impostor.id, code: 'WITNESS_BAD_COSIGNATURE' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gw, 'evidence_witness_failures_total', { witness: forked.id, code: 'WITNESS_FORK' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gw, 'evidence_witness_cosignatures_total', { witness: foreign.id })).toBe(0);
  }, 60_000);
});
