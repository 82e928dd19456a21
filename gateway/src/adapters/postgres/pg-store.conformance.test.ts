import { describeStoreConformance } from '../../../../test/conformance/store.js';
import { DATABASE_URL, dropSchema, scratchSchema } from '../../../../test/ha/support/database.js';
import { PgStore } from './pg-store.js';

describeStoreConformance('PostgreSQL', async () => {
  const schema = scratchSchema('conf');
  return {
    store: await PgStore.open(DATABASE_URL, { schema }),
    reopen: () => PgStore.open(DATABASE_URL, { schema }),
    destroy: () => dropSchema(schema),
  };
});
