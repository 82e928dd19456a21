/**
 * A floor for the intake benchmark: the bare baseline's Fastify route doing
 * only the work the gateway issue requires of every acknowledged event, with
 * the gateway's own code for each step, and nothing else. Per request: parse
 * and validate the body (readBody), pseudonymise the subject, commit to the
 * payload with SM3, seal it with SM4 under a fresh key, build the leaf
 * (prepareRun); per write: the data keys of every event that arrived while
 * the previous write was on its way (at least one event-loop turn) sealed
 * under the master key in one block, and one synced LevelDB write of those
 * events and the block (GroupCommit); 202 only after it. No authentication, rate limit, metrics, logging, batching or
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
import { setImmediate } from 'node:timers';
import { ClassicLevel } from 'classic-level';
import Fastify from 'fastify';
import { concatBytes, randomOf, sm4, toHex, utf8 } from '@evidence/core';
import { GroupCommit } from '../../../gateway/dist/adapters/level/group-commit.js';
import { prepareRun } from '../../../gateway/dist/evidence/prepare.js';
import { readBody } from '../../../gateway/dist/evidence/request-body.js';

const ctx = { gatewayId: 'ab'.repeat(32), subjectKey: randomBytes(32) };
const masterKey = randomBytes(32);
const db = new ClassicLevel(join(process.env.DATA_DIR, 'db'), { valueEncoding: 'view', compression: false });
await db.open();
const commit = new GroupCommit(db);

/** Records of this turn and of turns that arrived during the write in flight. */
let waiting = [];
let scheduled = false;
let writing = false;

function flush() {
  if (writing || waiting.length === 0) return;
  const group = waiting;
  waiting = [];
  writing = true;
  const ops = [];
  const keys = [];
  for (const w of group) {
    for (const { record, dataKey } of w.prepared) {
      keys.push(dataKey);
      ops.push({ type: 'put', key: `r!${record.id}`, value: concatBytes(record.leaf, record.salt, record.sealedPayload) });
    }
  }
  const block = toHex(randomOf(16));
  ops.push({ type: 'put', key: `k!${block}`, value: sm4.seal(concatBytes(...keys), masterKey, utf8(block)) });
  commit.write(ops).then(
    () => done(group, null),
    (e) => done(group, e),
  );
}

function done(group, error) {
  writing = false;
  flush();
  for (const w of group) {
    if (error) w.reject(error);
    else w.resolve();
  }
}

function written(prepared) {
  return new Promise((resolve, reject) => {
    waiting.push({ prepared, resolve, reject });
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  });
}

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, parsed) => parsed(null, body));
app.post('/v1/evidence', async (req, reply) => {
  const { prepared } = prepareRun(readBody(req.body, { kind: 'event' }), ctx, 'bench', Date.now(), () => 'body/');
  await written(prepared);
  const { record, leaf } = prepared[0];
  return reply.status(202).send({ id: record.id, leaf, status: 'pending' });
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'listening', url });
process.on('SIGTERM', () => void app.close().then(() => commit.drain()).then(() => db.close()).then(() => process.exit(0)));
