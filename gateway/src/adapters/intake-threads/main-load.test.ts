import type { EventLoopUtilization } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { MainLoad } from './main-load.js';

describe('MainLoad', () => {
  it('reports the busy share of the last window only, not since start', () => {
    // A fake clock of the event loop: [active, idle] milliseconds so far.
    let clock = { active: 0, idle: 0 };
    const elu = (current?: EventLoopUtilization, previous?: EventLoopUtilization): EventLoopUtilization => {
      if (current && previous) {
        const active = current.active - previous.active;
        const idle = current.idle - previous.idle;
        return { active, idle, utilization: active / (active + idle) };
      }
      return { ...clock, utilization: 0 };
    };
    const load = new MainLoad(60_000, elu);
    try {
      expect(load.utilisation).toBe(0);
      clock = { active: 95, idle: 5 };
      load.sample();
      expect(load.utilisation).toBeCloseTo(0.95);
      clock = { active: 105, idle: 95 };
      load.sample();
      expect(load.utilisation).toBeCloseTo(0.1);
    } finally {
      load.stop();
    }
  });

  it('reads the real event loop: a busy stretch shows as a high share', () => {
    const load = new MainLoad(60_000);
    try {
      const until = Date.now() + 50;
      while (Date.now() < until); // 50 ms of callback time, no waiting
      load.sample();
      expect(load.utilisation).toBeGreaterThan(0.5);
    } finally {
      load.stop();
    }
  });
});
