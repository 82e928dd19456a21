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
 * What this node tells `neighbour` about `dests` (every destination when
 * omitted): its best path with its own id prepended, or a withdrawal when it
 * has no route, or when the best route runs through that very neighbour (it
 * would see its own id in the path and drop it anyway).
 */
export function exportRoutes(
  table: RouteTable,
  neighbour: string,
  role: NeighbourRole,
  dests?: Iterable<Destination>,
): RouteDelta {
  const delta: RouteDelta = { announce: [], withdraw: [] };
  if (role === 'child') return delta;
  const groups = new Map<readonly string[], Announcement>();
  const visit = (dest: Destination, best: Route | undefined): void => {
    if (!best || best.source === neighbour || best.path.includes(neighbour)) {
      if (dests !== undefined) delta.withdraw.push(dest);
      return;
    }
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
