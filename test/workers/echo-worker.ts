/**
 * A worker for core/src/workers/pool.test.ts: answers { seq, value: value * 2 }
 * after `delayMs`, and exits without answering when asked to die.
 */
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (m: { seq: number; value: number; delayMs?: number; die?: boolean }) => {
  if (m.die) process.exit(3);
  setTimeout(() => parentPort!.postMessage({ seq: m.seq, value: m.value * 2 }), m.delayMs ?? 0);
});
