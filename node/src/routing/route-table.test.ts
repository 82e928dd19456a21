import { describe, expect, it } from 'vitest';
import { destination, isDestination } from './destination.js';
import { exportRoutes } from './export.js';
import { RouteTable } from './route-table.js';

const EMR = destination('H2', 'emr.query');
const RX = destination('H2', 'rx.review');

describe('RouteTable', () => {
  it('prefers a local gateway, then the shortest path, then the lowest source id', () => {
    const t = new RouteTable('me');
    expect(t.announce('n-b', [EMR], ['n-b', 'n-c'])).toEqual([EMR]);
    expect(t.announce('n-a', [EMR], ['n-a', 'n-x', 'n-c'])).toEqual([]);
    expect(t.lookup(EMR)).toEqual({ source: 'n-b', path: ['n-b', 'n-c'] });
    expect(t.announce('n-z', [EMR], ['n-z', 'n-c'])).toEqual([]); // same length, higher id
    expect(t.announce('n-a', [EMR], ['n-a', 'n-c'])).toEqual([EMR]); // same length, lower id wins
    expect(t.lookup(EMR)?.source).toBe('n-a');
    expect(t.announce('gw', [EMR], [])).toEqual([EMR]);
    expect(t.lookup(EMR)).toEqual({ source: 'gw', path: [] });
    expect(t.candidates(EMR).map((r) => r.source)).toEqual(['gw', 'n-a', 'n-b', 'n-z']);
  });

  it('refuses paths holding its own id (loops) and paths over the length limit', () => {
    const t = new RouteTable('me', 3);
    expect(t.announce('n-b', [EMR], ['n-b', 'me', 'n-c'])).toEqual([]);
    expect(t.lookup(EMR)).toBeUndefined();
    expect(t.announce('n-b', [EMR], ['n-b', 'x', 'y', 'z'])).toEqual([]);
    expect(t.size).toBe(0);
    // A looping re-announcement withdraws the earlier good route of that source.
    t.announce('n-b', [EMR], ['n-b']);
    expect(t.announce('n-b', [EMR], ['n-b', 'me'])).toEqual([EMR]);
    expect(t.lookup(EMR)).toBeUndefined();
  });

  it('withdraws and falls back to the next best route', () => {
    const t = new RouteTable('me');
    t.announce('n-a', [EMR, RX], ['n-a']);
    t.announce('n-b', [EMR], ['n-b', 'n-c']);
    expect(t.withdraw('n-a', [EMR])).toEqual([EMR]);
    expect(t.lookup(EMR)?.source).toBe('n-b');
    expect(t.withdraw('n-a', [EMR])).toEqual([]); // already gone
    expect(t.dropSource('n-b')).toEqual([EMR]);
    expect(t.lookup(EMR)).toBeUndefined();
    expect(t.lookup(RX)?.source).toBe('n-a');
    expect(t.hasInstitution('H2')).toBe(true);
    t.dropSource('n-a');
    expect(t.hasInstitution('H2')).toBe(false);
    expect(t.sources()).toEqual([]);
  });

  it('a full table replaces what the source advertised before', () => {
    const t = new RouteTable('me');
    t.announce('n-a', [EMR, RX], ['n-a']);
    const changed = t.replace('n-a', [{ path: ['n-a', 'n-q'], destinations: [EMR] }]);
    expect(changed.sort()).toEqual([EMR, RX].sort());
    expect(t.lookup(RX)).toBeUndefined();
    expect(t.lookup(EMR)?.path).toEqual(['n-a', 'n-q']);
    // The same content again is not a change, so refreshes do not ripple.
    expect(t.replace('n-a', [{ path: ['n-a', 'n-q'], destinations: [EMR] }])).toEqual([]);
  });

  it('checks destination syntax', () => {
    expect(isDestination('H330100002/emr.query')).toBe(true);
    expect(isDestination('H1/emr/query')).toBe(false);
    expect(isDestination('/emr.query')).toBe(false);
    expect(isDestination('H1/EMR')).toBe(false);
  });
});

describe('exportRoutes', () => {
  it('prepends its own id, groups by path and applies split horizon', () => {
    const t = new RouteTable('me');
    t.announce('gw', [EMR, RX], []);
    t.announce('n-b', [destination('H3', 'emr.query')], ['n-b', 'n-c']);
    const toA = exportRoutes(t, 'n-a', 'peer');
    expect(toA.announce).toEqual([
      { path: ['me'], destinations: [EMR, RX] },
      { path: ['me', 'n-b', 'n-c'], destinations: ['H3/emr.query'] },
    ]);
    // n-c is already on the path: it would drop the route, so none is sent.
    const toC = exportRoutes(t, 'n-c', 'peer', ['H3/emr.query', 'H9/none']);
    expect(toC).toEqual({ announce: [], withdraw: ['H3/emr.query', 'H9/none'] });
    expect(exportRoutes(t, 'n-b', 'peer').announce).toEqual([{ path: ['me'], destinations: [EMR, RX] }]);
  });

  it('sends nothing down to a child, which defaults to its parent', () => {
    const t = new RouteTable('me');
    t.announce('gw', [EMR], []);
    expect(exportRoutes(t, 'kid', 'child')).toEqual({ announce: [], withdraw: [] });
    expect(exportRoutes(t, 'up', 'parent').announce).toHaveLength(1);
  });
});

describe('exportRoutes with what was already sent', () => {
  it('sends only changes, and withdraws only what the neighbour was told', () => {
    const t = new RouteTable('me');
    const sent = new Map<string, readonly string[]>();
    t.announce('gw', [EMR], []);
    t.announce('n-b', [RX], ['n-b']);
    expect(exportRoutes(t, 'n-a', 'peer', undefined, sent).announce).toHaveLength(2);
    expect(sent.size).toBe(2);
    // Nothing changed: nothing to say.
    expect(exportRoutes(t, 'n-a', 'peer', [EMR, RX], sent)).toEqual({ announce: [], withdraw: [] });
    // RX now runs through n-a itself: withdrawn once, then never again.
    t.announce('n-b', [RX], ['n-b', 'n-a']);
    expect(exportRoutes(t, 'n-a', 'peer', [RX], sent)).toEqual({ announce: [], withdraw: [RX] });
    expect(exportRoutes(t, 'n-a', 'peer', [RX], sent)).toEqual({ announce: [], withdraw: [] });
    // A destination the neighbour never heard of is not withdrawn.
    expect(exportRoutes(t, 'n-a', 'peer', ['H9/none'], sent)).toEqual({ announce: [], withdraw: [] });
    // A full table resets what was sent.
    const full = exportRoutes(t, 'n-a', 'peer', undefined, sent);
    expect(full).toEqual({ announce: [{ path: ['me'], destinations: [EMR] }], withdraw: [] });
    expect([...sent.keys()]).toEqual([EMR]);
  });
});
