import { institutionOf, type Destination } from './destination.js';

/**
 * One way to reach a destination: through `source` (a neighbour node id, or
 * the id of a gateway attached to this node) along `path`, the node ids the
 * advertisement crossed, nearest first. A locally attached gateway has an
 * empty path. Because every path lists the nodes it crossed, a node never
 * accepts a path holding its own id, and loops cannot form.
 */
export interface Route {
  readonly source: string;
  readonly path: readonly string[];
}

/** Shorter paths win; equal lengths are broken by source id so every node chooses alike. */
export function preferred(a: Route, b: Route): boolean {
  return better(a.source, a.path, b.source, b.path);
}

function better(aSource: string, aPath: readonly string[], bSource: string, bPath: readonly string[]): boolean {
  if (aPath.length !== bPath.length) return aPath.length < bPath.length;
  return aSource < bSource;
}

/**
 * The path-vector route table: per source, the destinations it advertised and
 * their paths (Adj-RIB-In), and per destination the best of them (Loc-RIB).
 * Pure: no timers, no I/O. Every mutation returns the destinations whose best
 * route changed, which is what the node must re-advertise.
 *
 * Paths are stored by reference: one announcement of many destinations shares
 * one array, which keeps 100 000 services in a few tens of megabytes.
 */
export class RouteTable {
  private readonly bySource = new Map<string, Map<Destination, readonly string[]>>();
  private readonly best = new Map<Destination, Route>();
  private readonly institutions = new Map<string, number>();

  constructor(
    readonly self: string,
    readonly maxPathLength = 32,
  ) {}

  /** Number of destinations with a route. */
  get size(): number {
    return this.best.size;
  }

  lookup(dest: Destination): Route | undefined {
    return this.best.get(dest);
  }

  /** Every route to `dest`, best first: the order in which forwarding fails over. */
  candidates(dest: Destination): Route[] {
    const out: Route[] = [];
    for (const [source, routes] of this.bySource) {
      const path = routes.get(dest);
      if (path) out.push({ source, path });
    }
    return out.sort((a, b) => (preferred(a, b) ? -1 : preferred(b, a) ? 1 : 0));
  }

  hasInstitution(institution: string): boolean {
    return this.institutions.has(institution);
  }

  sources(): string[] {
    return [...this.bySource.keys()];
  }

  /** Destinations advertised by `source`. */
  destinationsOf(source: string): Destination[] {
    return [...(this.bySource.get(source)?.keys() ?? [])];
  }

  entries(): IterableIterator<[Destination, Route]> {
    return this.best.entries();
  }

  /**
   * `source` can reach `dests` along `path`. A path holding this node's id, or
   * longer than the limit, is a loop or garbage: it withdraws instead.
   */
  announce(source: string, dests: Iterable<Destination>, path: readonly string[]): Destination[] {
    if (!this.acceptable(path)) return this.withdraw(source, dests);
    let routes = this.bySource.get(source);
    if (!routes) this.bySource.set(source, (routes = new Map()));
    const changed: Destination[] = [];
    for (const dest of dests) {
      routes.set(dest, path);
      if (this.improve(dest, source, path)) changed.push(dest);
    }
    return changed;
  }

  /** `source` now offers `path` to `dest` (already stored): updates the best route; true when it changed. */
  private improve(dest: Destination, source: string, path: readonly string[]): boolean {
    const best = this.best.get(dest);
    if (!best) {
      this.best.set(dest, { source, path });
      this.countInstitution(dest, +1);
      return true;
    }
    // The best route itself changed: it may now lose to another one.
    if (best.source === source) return !samePath(best.path, path) && this.reselect(dest);
    if (!better(source, path, best.source, best.path)) return false;
    this.best.set(dest, { source, path });
    return true;
  }

  withdraw(source: string, dests: Iterable<Destination>): Destination[] {
    const routes = this.bySource.get(source);
    if (!routes) return [];
    const changed: Destination[] = [];
    for (const dest of dests) {
      // Only losing the best route changes anything.
      if (routes.delete(dest) && this.best.get(dest)?.source === source && this.reselect(dest)) changed.push(dest);
    }
    if (routes.size === 0) this.bySource.delete(source);
    return changed;
  }

  /** A full table from `source`: replaces everything it advertised before. */
  replace(source: string, announcements: readonly { path: readonly string[]; destinations: readonly Destination[] }[]): Destination[] {
    const before = this.bySource.get(source);
    const fresh = new Map<Destination, readonly string[]>();
    for (const a of announcements) {
      if (!this.acceptable(a.path)) continue;
      for (const dest of a.destinations) fresh.set(dest, a.path);
    }
    if (fresh.size > 0) this.bySource.set(source, fresh);
    else this.bySource.delete(source);
    const changed: Destination[] = [];
    for (const [dest, path] of fresh) if (this.improve(dest, source, path)) changed.push(dest);
    if (before) {
      for (const dest of before.keys()) {
        if (!fresh.has(dest) && this.best.get(dest)?.source === source && this.reselect(dest)) changed.push(dest);
      }
    }
    return changed;
  }

  /** The source went away (neighbour down, gateway publication expired). */
  dropSource(source: string): Destination[] {
    const routes = this.bySource.get(source);
    if (!routes) return [];
    this.bySource.delete(source);
    const changed: Destination[] = [];
    for (const dest of routes.keys()) if (this.best.get(dest)?.source === source && this.reselect(dest)) changed.push(dest);
    return changed;
  }

  private acceptable(path: readonly string[]): boolean {
    return path.length <= this.maxPathLength && !path.includes(this.self);
  }

  /** Recomputes the best route of `dest`; true when it changed. */
  private reselect(dest: Destination): boolean {
    let winSource: string | undefined;
    let winPath: readonly string[] | undefined;
    for (const [source, routes] of this.bySource) {
      const path = routes.get(dest);
      if (path && (winPath === undefined || better(source, path, winSource!, winPath))) {
        winSource = source;
        winPath = path;
      }
    }
    const winner: Route | undefined = winPath === undefined ? undefined : { source: winSource!, path: winPath };
    const current = this.best.get(dest);
    if (!winner) {
      if (!current) return false;
      this.best.delete(dest);
      this.countInstitution(dest, -1);
      return true;
    }
    if (current && current.source === winner.source && samePath(current.path, winner.path)) return false;
    this.best.set(dest, winner);
    if (!current) this.countInstitution(dest, +1);
    return true;
  }

  private countInstitution(dest: Destination, delta: number): void {
    const institution = institutionOf(dest);
    const n = (this.institutions.get(institution) ?? 0) + delta;
    if (n > 0) this.institutions.set(institution, n);
    else this.institutions.delete(institution);
  }
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
