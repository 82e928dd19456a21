import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { INTAKE_WORKER_LIMITS, SEMI_SPACE_MB } from './runtime.js';

describe('runtime settings', () => {
  it('give an intake worker semi-spaces of SEMI_SPACE_MB once it allocates hard (young generation = 3 semi-spaces)', async () => {
    // Keeps a few hundred thousand objects alive at a time, so V8 grows new space to its limit.
    const code = `
      const v8 = require('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 300000) keep = []; }
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      require('node:worker_threads').parentPort.postMessage(space.space_size / 2 ** 20);`;
    const worker = new Worker(code, { eval: true, resourceLimits: INTAKE_WORKER_LIMITS });
    try {
      const newSpaceMb = await new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
      // new space = two semi-spaces; the process may have been started with a larger --max-semi-space-size.
      expect(newSpaceMb).toBeGreaterThanOrEqual(2 * SEMI_SPACE_MB);
    } finally {
      await worker.terminate();
    }
  });
});
