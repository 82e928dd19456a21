import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forkMessage } from './cosign.js';
import { witnessErrorHandler } from './error-handler.js';
import { WitnessError } from './errors.js';
import {
  CosignRequestSchema,
  CosignResponseSchema,
  ForksQuerySchema,
  ForksResponseSchema,
  GatewayParamsSchema,
  WitnessedSchema,
  WitnessErrorSchema,
  WitnessInfoSchema,
} from './schemas.js';
import type { Witness } from './witness.js';

/** A cosign request is a checkpoint, two keys' worth of hex and at most 128 hashes: a few KiB. */
const COSIGN_BODY_BYTES = 64 * 1024;

/**
 * The witness's HTTP surface, as a plugin (mounted by every routing node,
 * and by the standalone witness):
 *   GET  /v1/witness                        { id, publicKey, toleranceMs }
 *   POST /v1/witness/cosign                 { checkpoint, signature, from, proof } -> { cosignature }
 *   GET  /v1/witness/forks                  fork evidence, public: it is evidence (?gateway=, ?limit=)
 *   GET  /v1/witness/checkpoints/:gateway   the last checkpoint cosigned for a gateway, both signatures
 * The plugin opens the witness's store when it is registered and closes it
 * with the server, and logs every fork found as an alarm at error level.
 */
export const witnessRoutes: FastifyPluginAsyncTypebox<{ witness: Witness }> = async (app, { witness }) => {
  await witness.open();
  if (!witness.durable) {
    app.log.warn(
      { witness: witness.id },
      '见证状态仅保存在内存中，重启后会遗忘已副签的检查点（请配置数据目录）/ witness state is kept in memory only: a restart forgets what was cosigned (configure a data folder)',
    );
  }
  const stopAlarms = witness.onFork((e) => {
    app.log.error(
      { alarm: 'witness-fork', gateway: e.gateway, reason: e.reason, first: e.first, second: e.second, detectedAt: e.detectedAt },
      `【告警 ALARM】见证节点发现网关分叉 / witness found a fork of gateway ${e.gateway}: ${forkMessage(e.reason, e.first.checkpoint, e.second.checkpoint)}`,
    );
  });
  app.addHook('onClose', async () => {
    stopAlarms();
    await witness.close();
  });
  app.setErrorHandler(witnessErrorHandler);
  const errors = { 400: WitnessErrorSchema, 403: WitnessErrorSchema, 404: WitnessErrorSchema, 409: WitnessErrorSchema, 503: WitnessErrorSchema };

  app.get('/v1/witness', { schema: { response: { 200: WitnessInfoSchema } } }, async () => witness.info());

  app.post(
    '/v1/witness/cosign',
    { bodyLimit: COSIGN_BODY_BYTES, schema: { body: CosignRequestSchema, response: { 200: CosignResponseSchema, ...errors } } },
    async (request) => ({ cosignature: await witness.cosign(request.body) }),
  );

  app.get('/v1/witness/forks', { schema: { querystring: ForksQuerySchema, response: { 200: ForksResponseSchema } } }, async (request) => {
    const { gateway, limit } = request.query;
    return { forks: await witness.forks({ ...(gateway ? { gateway } : {}), limit: limit === undefined ? 1000 : Number(limit) }) };
  });

  app.get(
    '/v1/witness/checkpoints/:gateway',
    { schema: { params: GatewayParamsSchema, response: { 200: WitnessedSchema, 404: WitnessErrorSchema } } },
    async (request) => {
      const latest = await witness.latest(request.params.gateway);
      if (!latest) throw new WitnessError('WITNESS_NONE', `本见证节点未为网关 ${request.params.gateway} 副签过检查点 / this witness has cosigned no checkpoint of gateway ${request.params.gateway}`);
      return latest;
    },
  );
};
