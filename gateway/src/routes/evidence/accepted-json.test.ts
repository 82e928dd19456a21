import { describe, expect, it } from 'vitest';
import type { Recorded } from '../../evidence/service.js';
import { acceptedItemJson, acceptedJson } from './accepted-json.js';

const item = (n: number, duplicate: boolean): Recorded => ({
  id: n.toString(16).padStart(32, '0'),
  leaf: { v: 1, kind: (n % 12) + 1, id: n.toString(16).padStart(32, '0'), gateway: 'ab'.repeat(32), subject: 'cd'.repeat(32), ts: 1_790_000_000_000 + n, commitment: 'ef'.repeat(32) },
  status: 'pending',
  duplicate,
});

describe('acceptedJson', () => {
  it('writes exactly what JSON.stringify writes for the bulk answer', () => {
    for (const items of [[], [item(1, false)], Array.from({ length: 50 }, (_, i) => item(i, i % 7 === 0))]) {
      expect(acceptedJson(items)).toBe(JSON.stringify({ count: items.length, items }));
    }
  });

  it('writes exactly what JSON.stringify writes for one event', () => {
    for (const one of [item(0, false), item(255, true)]) expect(acceptedItemJson(one)).toBe(JSON.stringify(one));
  });
});
