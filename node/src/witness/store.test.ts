import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWitnessStoreConformance } from '../../../test/witness/store-conformance.js';
import { LevelWitnessStore } from './store-level.js';
import { MemoryWitnessStore } from './store-memory.js';

describeWitnessStoreConformance('memory adapter', async () => ({ store: new MemoryWitnessStore() }), { durable: false });

describeWitnessStoreConformance('LevelDB adapter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'witness-store-'));
  const path = join(dir, 'witness');
  const store = new LevelWitnessStore(path);
  return {
    store,
    reopen: async () => {
      await store.close();
      const again = new LevelWitnessStore(path);
      await again.open();
      return again;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}, { durable: true });
