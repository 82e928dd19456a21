import { entityId, HOP_TYPE, hopHash, toHex, type Hop } from '@evidence/core';
import type { Neighbour, NodeSettings } from './config.js';
import { errorBody, isRoutingError, RoutingError } from './errors.js';
import { forwardThrough, type ForwardTarget } from './forward/forward.js';
import { checkChainOn, passesCheapChecks, type ChainCheck } from './forward/chain.js';
import { signAhead, SM2_HOPS, type HopCrypto } from './forward/hop-crypto.js';
import { appendFields, type HopSigner } from './forward/hops.js';
import { checksMade, checkSealedEnvelope, envelopeOnPool, sealedOrClear, withLinkSender } from './forward/checks.js';
import { envelopeMismatch, sealedResponseProblem } from './forward/sealed.js';
import type { ForwardRequest } from './forward/protocol.js';
import { HttpClient } from './http/client.js';
import { firstKeySource, KeyRing, type CodeSource, type KeySource } from './keys/key-source.js';
import { NodeMetrics } from './metrics.js';
import { PeerLink } from './peers/link.js';
import { ordering, peerUpdateValidator, publishValidator, type Freshness, type PeerUpdate, type Publish } from './peers/messages.js';
import { verifyBody } from './peers/signed-body.js';
import { destination, isDestination, type Destination } from './routing/destination.js';
import { exportRoutes } from './routing/export.js';
import { RouteTable } from './routing/route-table.js';
import { TraceStore, traceDocument, type TraceDocument } from './traces/store.js';
import { sharedSignaturePool, type SignaturePool } from './verify/signature-pool.js';
import { hostedWitness, type HostedWitnessOptions } from './witness/hosted.js';
import type { Witness } from './witness/witness.js';

export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const SILENT: Log = { info: () => undefined, warn: () => undefined };

export interface RoutingNodeOptions {
  settings: NodeSettings;
  /** This node's key pair; `signer.id` must be the node id. */
  signer: HopSigner;
  /** Registered keys of other nodes and gateways (directory or chain). */
  keys: KeySource;
  codes?: CodeSource;
  log?: Log;
  /** Collect process-wide default metrics too (one node per process). */
  defaultMetrics?: boolean;
  /** The transport to other nodes and gateways (a test puts an adversarial one here). */
  client?: HttpClient;
  /** SM2 hops (the default); the routing benchmark swaps in its unsigned baseline. */
  crypto?: HopCrypto;
  /**
   * Whether requests in clear (not sealed to their destination) are forwarded:
   * by default only by a node whose links may be plain http (development).
   */
  allowClearRequests?: boolean;
  /**
   * Threads signing and checking hops: the process's shared pool unless given
   * here; null checks on this thread (the benchmark's unsigned baseline, which
   * has no signatures to check, passes null with its crypto).
   */
  pool?: SignaturePool | null;
  /**
   * The witness every node hosts (node/src/witness), with the node's id and
   * key: its store and gateway keys come from the settings unless given here;
   * false hosts none (as does `witness.enabled: false` in the settings).
   */
  witness?: HostedWitnessOptions | false;
}

interface AttachedGateway {
  code: string;
  url: string;
  expiresAt: number;
}

/**
 * A service routing device (路由设备): keeps the path-vector route table,
 * runs a session with each neighbour, accepts service publications from
 * gateways and forwards requests hop by hop, signing each hop it adds.
 * Servers wrap it (app.ts); it does no listening of its own.
 */
export class RoutingNode {
  readonly id: string;
  readonly code: string;
  readonly table: RouteTable;
  readonly keyRing: KeyRing;
  readonly traces = new TraceStore();
  readonly metrics: NodeMetrics;
  readonly client: HttpClient;
  /** The witness of gateways' checkpoints this node hosts (served by app.ts), unless turned off. */
  readonly witness: Witness | undefined;
  readonly session = Date.now();
  private readonly settings: NodeSettings;
  private readonly signer: HopSigner;
  private readonly crypto: HopCrypto;
  /** Requests in clear are forwarded only by a node allowed plain links (development). */
  private readonly allowClear: boolean;
  /** Threads checking hop signatures; undefined: checked on this thread. */
  private readonly pool: SignaturePool | undefined;
  private readonly codes: CodeSource | undefined;
  private readonly log: Log;
  private readonly neighbours = new Map<string, Neighbour>();
  private readonly links = new Map<string, PeerLink>();
  private readonly gateways = new Map<string, AttachedGateway>();
  /** When each neighbour's routes lapse unless it is heard from again. */
  private readonly holds = new Map<string, number>();
  private readonly inbound = new Map<string, Freshness>();
  private sweeper: NodeJS.Timeout | undefined;
  private running = false;

  constructor(options: RoutingNodeOptions) {
    this.settings = options.settings;
    this.id = options.settings.id;
    this.code = options.settings.code;
    if (options.signer.id !== this.id) throw new RoutingError('BAD_REQUEST', 'the signer id is not the node id');
    this.signer = options.signer;
    this.codes = options.codes;
    this.log = options.log ?? SILENT;
    this.client = options.client ?? new HttpClient();
    this.crypto = options.crypto ?? SM2_HOPS;
    this.allowClear = options.allowClearRequests ?? this.client.allowsPlainHttp;
    this.pool = options.pool === undefined ? sharedSignaturePool(options.settings.verifyWorkers) : (options.pool ?? undefined);
    this.table = new RouteTable(this.id, options.settings.limits.maxHops * 2);
    // Keys pinned in the configuration win over the registry for neighbours.
    const pinned: KeySource = async (id) => this.neighbours.get(id)?.publicKey;
    this.keyRing = new KeyRing(firstKeySource(pinned, options.keys));
    this.metrics = new NodeMetrics(
      { node: this.code },
      { routes: () => this.table.size, neighboursUp: () => [...this.links.values()].filter((l) => l.up).length },
      options.defaultMetrics,
    );
    for (const n of options.settings.neighbours) this.neighbours.set(n.id, n);
    this.witness =
      options.witness === false
        ? undefined
        : hostedWitness({
            settings: options.settings,
            identity: options.signer,
            keys: options.keys,
            metrics: this.metrics.witness,
            ...(options.witness ? { options: options.witness } : {}),
          });
  }

  get limits(): NodeSettings['limits'] {
    return this.settings.limits;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const n of this.neighbours.values()) this.openLink(n);
    const every = Math.max(20, Math.min(1000, Math.floor(this.settings.timers.keepaliveMs / 2)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref?.();
  }

  /**
   * Replaces the neighbour list (used when neighbours' addresses are only
   * known after they listen). Sessions of removed neighbours end and their
   * routes are withdrawn.
   */
  setNeighbours(list: readonly Neighbour[]): void {
    const next = new Map(list.map((n) => [n.id, n]));
    for (const [id, link] of this.links) {
      const n = next.get(id);
      if (n && n.url === link.neighbour.url && n.role === link.neighbour.role) continue;
      link.stop();
      this.links.delete(id);
      this.dropPeer(id);
    }
    this.neighbours.clear();
    for (const n of list) this.neighbours.set(n.id, n);
    if (this.running) for (const n of list) if (!this.links.has(n.id)) this.openLink(n);
  }

  /**
   * Stops timers and sessions. Gracefully, neighbours and nothing else are
   * told first (an empty full table) so they withdraw this node's routes at
   * once; otherwise they notice when forwarding fails or the hold time ends.
   */
  async stop(graceful = true): Promise<void> {
    this.running = false;
    clearInterval(this.sweeper);
    const links = [...this.links.values()];
    this.links.clear();
    if (graceful) await Promise.all(links.map((l) => l.farewell(1000)));
    else for (const l of links) l.stop();
    this.client.close();
  }

  health(): object {
    return {
      status: 'ok',
      code: this.code,
      id: this.id,
      routes: this.table.size,
      neighbours: [...this.neighbours.values()].map((n) => ({
        id: n.id,
        code: n.code,
        role: n.role,
        up: this.links.get(n.id)?.up ?? false,
      })),
      gateways: [...this.gateways.entries()].map(([id, g]) => ({ id, code: g.code })),
    };
  }

  neighbourUp(id: string): boolean {
    return this.links.get(id)?.up ?? false;
  }

  // ---- forwarding -------------------------------------------------------

  /**
   * Checks the chain so far, adds this node's signed forward hop and passes
   * the request to the best live route, failing over to the next route when a
   * next hop cannot be reached. Answers with the next hop's status and body
   * (the whole trace, or a coded refusal from further on).
   */
  async forward(req: ForwardRequest, receivedAt = Date.now(), peer?: string): Promise<{ status: number; body: Buffer }> {
    const sealed = sealedOrClear(req, this.allowClear);
    const keys = await this.keyRing.lookupFor(req.hops.map((h) => h.node));
    const check: ChainCheck = {
      hops: req.hops as Hop[],
      self: this.id,
      ...(req.request ? { request: req.request } : {}),
      ...(peer !== undefined ? { peer } : {}),
      keys,
      maxHops: this.settings.limits.maxHops,
      crypto: this.crypto,
    };
    // With worker threads, this node's hop is signed on one while the chain's
    // signatures are checked (on the others and, when the pool was idle, on
    // this thread); the hop is sent only once the chain verifies, and dropped
    // otherwise. Only for a chain that passes every cheap check, so a malformed
    // or misdirected chain still costs no signature at all.
    const shareWithCaller = this.pool?.idle ?? true;
    const ahead = this.pool !== undefined && passesCheapChecks(check);
    const signing = ahead ? this.signAhead(req, this.pool!) : undefined;
    const checking = checkChainOn(this.pool, check, { shareWithCaller });
    // The envelope's signature on a worker too, beside the chain's (its verdict is read after the chain's).
    const envelopeSigned = sealed && ahead && this.pool!.size > 0 ? envelopeOnPool(this.pool!, req, keys) : undefined;
    let hashes: string[];
    try {
      hashes = await checking;
      if (sealed && envelopeSigned === undefined) checkSealedEnvelope(req, keys, peer);
      else if (sealed && !(await envelopeSigned)) throw withLinkSender(envelopeMismatch(req.destination, req.hops as Hop[]), peer);
    } catch (e) {
      // Keep the refused chain as received (the envelope as it came, never anything in clear
      // it could not check): it is the evidence against whoever sent it.
      if (isRoutingError(e)) {
        this.traces.refuse(req.hops[0]!.requestId, req.hops as Hop[], { ...errorBody(e, this.id), at: Date.now(), ...(req.request ? { request: req.request } : {}), ...(req.sealed ? { sealed: req.sealed } : {}) });
      }
      this.metrics.checks.inc({ check: 'refused' });
      throw e;
    }
    const made = checksMade(sealed, peer !== undefined);
    for (const c of made) this.metrics.checks.inc({ check: c });
    const signed = await signing;
    const budget = Math.min(this.settings.limits.timeoutMs, req.timeoutMs ?? Infinity) - (Date.now() - receivedAt);
    const result = await forwardThrough({
      signer: this.signer,
      client: this.client,
      request: req,
      prevHash: hashes[hashes.length - 1]!,
      targets: this.targets(req),
      ...(signed ? { signed } : {}),
      budgetMs: budget,
      maxResponseBytes: this.settings.limits.bodyBytes,
      crypto: this.crypto,
      ...(this.pool ? { pool: this.pool } : {}),
      onUnreachable: (target, reason) => this.nextHopFailed(target, reason),
      checkAnswer: async (answer, trace) => {
        if (!sealed) return undefined;
        if (!answer.sealed || answer.response) return 'a sealed request must be answered with a sealed response only';
        const traceKeys = await this.keyRing.lookupFor(trace.map((h) => h.node));
        const pool = this.pool && this.pool.size > 0 ? this.pool : undefined;
        return sealedResponseProblem(answer.sealed, req.destination, trace, traceKeys, pool ? async (c) => (await pool.verify([c], { shareWithCaller: false }))[0] === true : undefined);
      },
      checks: { node: this.id, made },
    });
    if (result.trace) this.traces.put(req.hops[0]!.requestId, result.trace, made);
    return { status: result.status, body: result.body };
  }

  /** This node's forward hop towards today's best route, signed (on the pool) before the chain is verified, never sent unless it is. */
  private signAhead(req: ForwardRequest, pool: SignaturePool): Promise<Hop | undefined> {
    // No route: targets throws, and the refusal comes after the chain check, as without workers.
    const fields = () => {
      const target = this.targets(req)[0]!;
      const last = req.hops[req.hops.length - 1] as Hop;
      return appendFields(this.signer, req.hops as Hop[], toHex(hopHash(last)), HOP_TYPE.forward, target.id, last.digest, Date.now());
    };
    return signAhead(this.crypto, pool, fields, this.signer);
  }

  /** Where this request may go next, best first, never to a signer already in the chain. */
  private targets(req: ForwardRequest): ForwardTarget[] {
    const { institution, service } = req.destination;
    const dest = destination(institution, service);
    const inChain = new Set(req.hops.map((h) => h.node));
    const routes = this.table.candidates(dest);
    const targets: ForwardTarget[] = [];
    for (const route of routes) {
      // A route through a signer already in the chain would only be refused as a loop further on.
      if (inChain.has(route.source) || route.path.some((id) => inChain.has(id))) continue;
      const gateway = this.gateways.get(route.source);
      if (gateway) {
        targets.push({ id: route.source, url: `${gateway.url}/v1/deliver`, kind: 'gateway' });
        continue;
      }
      const n = this.neighbours.get(route.source);
      if (n) targets.push({ id: n.id, url: `${n.url}/v1/forward`, kind: 'node' });
    }
    if (routes.length > 0) {
      if (targets.length === 0) {
        throw new RoutingError('ROUTE_LOOP', `every route to ${dest} runs through a node already in the chain`, {
          hop: req.hops.length - 1,
          check: 'loop',
        });
      }
      return targets;
    }
    // Unknown here: a hierarchy sends it up to the parent.
    const parent = [...this.neighbours.values()].find((n) => n.role === 'parent');
    if (parent && !inChain.has(parent.id)) return [{ id: parent.id, url: `${parent.url}/v1/forward`, kind: 'node' }];
    if (this.table.hasInstitution(institution)) {
      throw new RoutingError('ROUTE_UNKNOWN_SERVICE', `institution ${institution} publishes no service "${service}"`);
    }
    throw new RoutingError('ROUTE_UNKNOWN_INSTITUTION', `no route to institution ${institution}`);
  }

  private nextHopFailed(target: ForwardTarget, reason: string): void {
    this.log.warn({ next: target.id, reason }, 'next hop unreachable, withdrawing its routes');
    if (target.kind === 'gateway') {
      this.gateways.delete(target.id);
      this.propagate(this.table.dropSource(target.id));
      return;
    }
    this.links.get(target.id)?.fail(reason);
    this.dropPeer(target.id);
  }

  // ---- route updates from neighbours -------------------------------------

  async receiveUpdate(body: Buffer, signer: unknown, signature: unknown, peer?: string): Promise<{ resync: boolean }> {
    const neighbour = typeof signer === 'string' ? this.neighbours.get(signer) : undefined;
    if (!neighbour) throw new RoutingError('PEER_UNKNOWN', 'updates are accepted from configured neighbours only');
    sentBySigner(neighbour.id, peer);
    const key = (await this.keyRing.lookupFor([neighbour.id]))(neighbour.id);
    if (key === undefined) throw new RoutingError('PEER_UNKNOWN', `no registered key for neighbour ${neighbour.id}`);
    if (!verifyBody(body, signature, key)) throw new RoutingError('PEER_BAD_SIGNATURE', 'the update signature does not verify');
    const update = parseJson(body, (v) => peerUpdateValidator.Check(v)) as PeerUpdate;
    if (update.from !== neighbour.id || update.to !== this.id) {
      throw new RoutingError('PEER_MISDIRECTED', 'the update is not from its signer to this node');
    }
    for (const a of update.announce) {
      if (a.path[0] !== update.from) throw new RoutingError('BAD_REQUEST', 'every announced path must start with the sender');
    }
    // After a restart nothing of a sender is remembered: a captured update is stale once its hold time passed.
    if (Date.now() - update.ts > update.holdMs) throw new RoutingError('PEER_REPLAY', 'the update is older than its hold time');
    const order = ordering(this.inbound.get(neighbour.id), update.session, update.seq);
    if (order === 'replay') throw new RoutingError('PEER_REPLAY', 'the update is not newer than one already accepted');
    this.inbound.set(neighbour.id, { session: update.session, seq: update.seq });
    this.holds.set(neighbour.id, Date.now() + update.holdMs);
    this.links.get(neighbour.id)?.nudge();
    if (!update.full && order === 'gap') {
      this.metrics.peerMessages.inc({ kind: 'update', outcome: 'resync' });
      return { resync: true };
    }
    let changed: Destination[];
    if (update.full) {
      changed = this.table.replace(update.from, update.announce);
    } else {
      changed = this.table.withdraw(update.from, update.withdraw);
      // (a loop, not push(...many): 100 000 arguments would overflow the stack)
      for (const a of update.announce) for (const d of this.table.announce(update.from, a.destinations, a.path)) changed.push(d);
    }
    this.metrics.peerMessages.inc({ kind: 'update', outcome: 'ok' });
    this.propagate(changed);
    return { resync: false };
  }

  // ---- service publications from gateways ----------------------------------

  async receivePublish(body: Buffer, signer: unknown, signature: unknown, peer?: string): Promise<{ node: string; services: number }> {
    if (typeof signer !== 'string' || !/^[0-9a-f]{64}$/.test(signer)) throw new RoutingError('PEER_UNKNOWN', 'missing signer id');
    sentBySigner(signer, peer);
    const key = (await this.keyRing.lookupFor([signer]))(signer);
    if (key === undefined) throw new RoutingError('PEER_UNKNOWN', `no registered key for gateway ${signer}`);
    if (!verifyBody(body, signature, key)) throw new RoutingError('PEER_BAD_SIGNATURE', 'the publication signature does not verify');
    const p = parseJson(body, (v) => publishValidator.Check(v)) as Publish;
    if (p.gateway !== signer || p.node !== this.id) throw new RoutingError('PEER_MISDIRECTED', 'the publication is not from its signer to this node');
    if (toHex(entityId(p.code)) !== p.gateway) throw new RoutingError('BAD_REQUEST', 'the gateway id is not SM3 of its institution code');
    if (this.neighbours.has(p.gateway)) throw new RoutingError('BAD_REQUEST', 'a neighbour node cannot publish as a gateway');
    if (Date.now() - p.ts > p.ttlMs) throw new RoutingError('PEER_REPLAY', 'the publication is older than its time-to-live');
    if (ordering(this.inbound.get(p.gateway), p.session, p.seq) === 'replay') {
      throw new RoutingError('PEER_REPLAY', 'the publication is not newer than one already accepted');
    }
    this.inbound.set(p.gateway, { session: p.session, seq: p.seq });
    const dests = p.services.map((s) => destination(p.code, s)).filter(isDestination);
    if (dests.length === 0) {
      this.gateways.delete(p.gateway);
      this.propagate(this.table.dropSource(p.gateway));
    } else {
      this.gateways.set(p.gateway, { code: p.code, url: p.url.replace(/\/+$/, ''), expiresAt: Date.now() + p.ttlMs });
      this.propagate(this.table.replace(p.gateway, [{ path: [], destinations: dests }]));
    }
    this.metrics.peerMessages.inc({ kind: 'publish', outcome: 'ok' });
    return { node: this.id, services: dests.length };
  }

  // ---- traces ------------------------------------------------------------

  async trace(requestId: string): Promise<TraceDocument | undefined> {
    const entry = this.traces.get(requestId);
    return entry ? traceDocument(entry, this.keyRing, this.codes) : undefined;
  }

  // ---- internals ---------------------------------------------------------

  private openLink(n: Neighbour): void {
    const link = new PeerLink(n, {
      signer: this.signer,
      client: this.client,
      timers: this.settings.timers,
      session: this.session,
      exportFor: (nb, dests, sent) => exportRoutes(this.table, nb.id, nb.role, dests, sent),
      onDown: (nb, reason) => {
        this.log.warn({ neighbour: nb.id, reason }, 'neighbour down, withdrawing its routes');
        this.dropPeer(nb.id);
      },
      onUp: (nb) => this.log.info({ neighbour: nb.id }, 'neighbour up'),
    });
    this.links.set(n.id, link);
    link.start();
  }

  private dropPeer(id: string): void {
    this.holds.delete(id);
    // Its routes are gone here, so its next update must be a full table: forgetting
    // where its messages stood makes the next incremental one answer { resync: true }.
    this.inbound.delete(id);
    const changed = this.table.dropSource(id);
    this.propagate(changed);
    const n = this.neighbours.get(id);
    if (n) this.client.forget(new URL(n.url).origin);
  }

  private propagate(changed: readonly Destination[]): void {
    if (changed.length === 0) return;
    for (const link of this.links.values()) link.changed(changed);
  }

  /** Ages out routes of silent neighbours and of gateways that stopped publishing. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.holds) {
      if (until <= now) {
        this.log.warn({ neighbour: id }, 'hold time expired, withdrawing its routes');
        this.dropPeer(id);
      }
    }
    for (const [id, g] of this.gateways) {
      if (g.expiresAt <= now) {
        this.gateways.delete(id);
        this.propagate(this.table.dropSource(id));
      }
    }
  }
}

/**
 * Over TLS, a signed peer message is taken only from its signer's own link:
 * a captured update or publication cannot be replayed by another device.
 */
function sentBySigner(signer: string, peer: string | undefined): void {
  if (peer !== undefined && peer !== signer) {
    throw new RoutingError('PEER_SENDER_MISMATCH', `the message is signed by ${signer} but sent by ${peer} on the TLS link`);
  }
}

function parseJson(body: Buffer, check: (v: unknown) => boolean): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RoutingError('BAD_REQUEST', 'the body is not JSON');
  }
  if (!check(value)) throw new RoutingError('BAD_REQUEST', 'the body does not match the message schema');
  return value;
}

