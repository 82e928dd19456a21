import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

describe('progressBar', () => {
  it('draws nothing without a terminal', () => {
    expect(() => progressBar(undefined, 'x')(1, 2)).not.toThrow();
  });

  it('redraws at most every 100 ms, always at the end, with a newline then', () => {
    const lines: string[] = [];
    let now = 0;
    const bar = progressBar((l) => lines.push(l), '审计 auditing', () => now);
    bar(0, 4);
    now = 50;
    bar(1, 4); // throttled
    now = 200;
    bar(2, 4);
    now = 210;
    bar(4, 4); // the end is always drawn
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`审计 auditing [${'█'.repeat(15)}${'░'.repeat(15)}]  50% 2/4`);
    expect(lines[2]).toBe(`审计 auditing [${'█'.repeat(30)}] 100% 4/4\n`);
  });

  it('an empty history is complete at once', () => {
    const lines: string[] = [];
    progressBar((l) => lines.push(l), 'a')(0, 0);
    expect(lines).toEqual([`a [${'█'.repeat(30)}] 100% 0/0\n`]);
  });
});
