/**
 * A floor for the intake benchmark: the bare baseline's Fastify route doing
 * only the work the gateway issue requires of every acknowledged event, with
 * the gateway's own code for each step, and nothing else. Per request: parse
 * and validate the body (readRequest), pseudonymise the subject, commit to the
 * payload with SM3, seal it with SM4 under a fresh key, build the leaf
 * (prepare). Per write (KeyVault): the data keys of every event that
 * arrived while the previous write was on its way, sealed under the master
 * key in one block, and one synced LevelDB write of those events and the
 * block (GroupCommit); 202 only after it. Errors leave through the gateway's
 * error handler. No authentication, rate limit, metrics, logging, batching or
 * worker threads.
 *
 * Whatever the gateway adds on top costs on top of this floor, so the floor's
 * ratio to the bare route bounds what any gateway doing this work on one main
 * thread could reach on the machine measured. Plain JavaScript on the built
 * gateway (the modules used are internal, so they are imported from
 * gateway/dist, which `npm run bench` builds first). DATA_DIR names a new
 * folder for its LevelDB. Prints its URL on the IPC channel.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import Fastify from 'fastify';
import { encodeRecord } from '../../../gateway/dist/adapters/level/codec.js';
import { GroupCommit } from '../../../gateway/dist/adapters/level/group-commit.js';
import { KeyVault } from '../../../gateway/dist/evidence/key-vault.js';
import { prepare } from '../../../gateway/dist/evidence/prepare.js';
import { readRequest } from '../../../gateway/dist/evidence/request.js';
import { errorHandler } from '../../../gateway/dist/http/error-handler.js';

const ctx = { gatewayId: 'ab'.repeat(32), subjectKey: randomBytes(32) };
const masterKey = randomBytes(32);
const db = new ClassicLevel(join(process.env.DATA_DIR, 'db'), { valueEncoding: 'view', compression: false });
await db.open();
const commit = new GroupCommit(db);

/**
 * The gateway's key vault (one key block per write, sealed under the master
 * key) over the least store it needs: records, in the gateway's own layout
 * (with the key reference the vault assigns), and blocks in one synced group
 * write. The gateway's LevelStore also keeps pending groups for batching.
 */
const vault = new KeyVault(masterKey, {
  append: (records, blocks) =>
    commit.write([
      ...blocks.map((b) => ({ type: 'put', key: `k!${b.id}`, value: b.sealed })),
      ...records.map((r) => ({ type: 'put', key: `r!${r.id}`, value: encodeRecord(r) })),
    ]),
});

const app = Fastify({ logger: false });
// The gateway's own handler: a bad body is answered 4xx { code, message } as the gateway would, not 500.
app.setErrorHandler(errorHandler());
app.removeAllContentTypeParsers();
// Bytes, as the gateway keeps them: reading them (UTF-8 check, decode, parse, exactness) is the request step's work.
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, parsed) => parsed(null, body));
app.post('/v1/evidence', async (req, reply) => {
  const prepared = prepare(readRequest(req.body, { kind: 'event' }), ctx, 'bench', Date.now(), () => 'body/');
  await vault.write(prepared);
  const { record, leaf } = prepared[0];
  return reply.status(202).send({ id: record.id, leaf, status: 'pending' });
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'listening', url });
process.on('SIGTERM', () => void app.close().then(() => commit.drain()).then(() => db.close()).then(() => process.exit(0)));
