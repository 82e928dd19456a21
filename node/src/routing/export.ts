import type { Destination } from './destination.js';
import type { Route, RouteTable } from './route-table.js';

/** Routes as they travel between nodes: one path shared by many destinations. */
export interface Announcement {
  path: string[];
  destinations: Destination[];
}

export interface RouteDelta {
  announce: Announcement[];
  withdraw: Destination[];
}

/**
 * How a neighbour relates to this node. Peers exchange routes. In a
 * hierarchy a child advertises up to its parent and sends what it does not
 * know to the parent, so a parent advertises nothing down to a child.
 */
export type NeighbourRole = 'peer' | 'parent' | 'child';

/**
 * What was last announced to one neighbour (its Adj-RIB-Out): destination to
 * the path of the best route it was derived from. It lets an update carry only
 * what changed for that neighbour, and withdraw only what it was told before.
 */
export type Advertised = Map<Destination, readonly string[]>;

/**
 * What this node tells `neighbour` about `dests` (every destination when
 * omitted, a full table): its best path with its own id prepended, or a
 * withdrawal when it has no route, or when the best route runs through that
 * very neighbour (it would see its own id in the path and drop it anyway).
 * With `sent`, unchanged announcements and withdrawals of what the neighbour
 * never heard are left out, and `sent` is brought up to date.
 */
export function exportRoutes(
  table: RouteTable,
  neighbour: string,
  role: NeighbourRole,
  dests?: Iterable<Destination>,
  sent?: Advertised,
): RouteDelta {
  const delta: RouteDelta = { announce: [], withdraw: [] };
  if (role === 'child') return delta;
  if (dests === undefined) sent?.clear();
  const groups = new Map<readonly string[], Announcement>();
  const visit = (dest: Destination, best: Route | undefined): void => {
    const exportable = best !== undefined && best.source !== neighbour && !best.path.includes(neighbour);
    const before = sent?.get(dest);
    if (!exportable) {
      if (dests === undefined) return;
      if (sent) {
        if (before === undefined) return;
        sent.delete(dest);
      }
      delta.withdraw.push(dest);
      return;
    }
    if (before !== undefined && samePath(before, best.path)) return;
    sent?.set(dest, best.path);
    let group = groups.get(best.path);
    if (!group) {
      group = { path: [table.self, ...best.path], destinations: [] };
      groups.set(best.path, group);
      delta.announce.push(group);
    }
    group.destinations.push(dest);
  };
  if (dests === undefined) for (const [dest, best] of table.entries()) visit(dest, best);
  else for (const dest of dests) visit(dest, table.lookup(dest));
  return delta;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
