import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance } from '../../../../test/conformance/store.js';
import { LevelStore } from './level-store.js';

describeStoreConformance('LevelDB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-store-conf-'));
  return {
    store: await LevelStore.open(dir),
    reopen: () => LevelStore.open(dir),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
