/**
 * The baseline of the intake benchmark: a bare Fastify route that parses the
 * same JSON body and answers 202, nothing else (no auth, no validation, no
 * crypto, no disk). Plain JavaScript, run by plain node like the built gateway.
 * Prints its URL on the IPC channel.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.post('/v1/evidence', async (_req, reply) => reply.status(202).send({ status: 'pending' }));
app.post('/v1/evidence/batch', async (req, reply) => reply.status(202).send({ count: req.body.items.length }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'listening', url });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
