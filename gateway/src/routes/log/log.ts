import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import type { CheckpointRecord } from '../../ports/store.js';
import { errorResponses, Hex } from '../schemas.js';

const Size = (description: string) => Type.String({ pattern: '^[0-9]{1,15}$', description });

const CheckpointBody = Type.Object({
  checkpoint: Type.Object({ gateway: Hex(32, 'gateway id'), alg: Type.String(), size: Type.Integer(), root: Hex(32, 'log root'), ts: Type.Integer() }),
  signature: Type.Object({ alg: Type.Literal('sm2'), publicKey: Type.String(), value: Type.String() }),
  cosignatures: Type.Array(Type.Object({ witness: Type.String(), ts: Type.Integer(), publicKey: Type.String(), value: Type.String() })),
  anchor: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]),
  anchoredAt: Type.Union([Type.Null(), Type.Integer()]),
});

const view = (r: CheckpointRecord) => ({
  checkpoint: r.checkpoint,
  signature: { alg: 'sm2' as const, publicKey: r.publicKey, value: r.signature },
  cosignatures: r.cosignatures,
  anchor: r.anchor as Record<string, unknown> | null,
  anchoredAt: r.anchoredAt,
});

/**
 * The monitor API (spec sections 9 to 11): what a monitor, a witness or an
 * auditor needs to check that this gateway's batch log only ever grew: the
 * latest signed checkpoint, a batch's inclusion at a size, a consistency proof
 * between two sizes, and the anchored checkpoints page by page. Every answer
 * is O(log n) reads of the stored log.
 */
export const logRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const log = ctx.batchLog;

  function sizeIn(value: string, what: string): number {
    const n = Number(value);
    if (n < 1 || n > log.size) throw new GatewayError('LOG_BAD_RANGE', `${what} ${n} is outside the log's sizes 1..${log.size}`);
    return n;
  }

  r.get(
    '/v1/log/checkpoint',
    {
      config: { permission: 'proof:read' },
      schema: {
        tags: ['log'],
        summary: 'Latest signed checkpoint of the batch log / 最新签名检查点',
        description: 'anchor is null until a transaction holds it. 404 LOG_EMPTY before the first batch. / 锚定前 anchor 为 null。',
        response: { 200: CheckpointBody, ...errorResponses(401, 403, 404) },
      },
    },
    async () => {
      const latest = await ctx.batches.latestCheckpoint();
      if (!latest) throw new GatewayError('LOG_EMPTY', 'no checkpoint has been signed yet: the log is empty');
      return view(latest);
    },
  );

  r.get(
    '/v1/log/consistency',
    {
      config: { permission: 'proof:read' },
      schema: {
        tags: ['log'],
        summary: 'RFC 9162 consistency proof between two log sizes / 一致性证明',
        description:
          'The shape `evidence verify-consistency FILE` reads. A monitor keeps a root it saw and checks every later one against it. / ' +
          '与 evidence verify-consistency 读取的格式相同。',
        querystring: Type.Object({ first: Size('smaller size'), second: Size('larger size') }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            alg: Type.String(),
            first: Type.Integer(),
            second: Type.Integer(),
            firstRoot: Hex(32, 'root at first'),
            secondRoot: Hex(32, 'root at second'),
            proof: Type.Array(Hex(32, 'hash')),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (req) => {
      const second = sizeIn(req.query.second, 'second');
      const first = sizeIn(req.query.first, 'first');
      if (first > second) throw new GatewayError('LOG_BAD_RANGE', `first ${first} exceeds second ${second}`);
      const [firstRoot, secondRoot, proof] = await Promise.all([log.root(first), log.root(second), log.consistencyProof(first, second)]);
      return { alg: log.alg, first, second, firstRoot, secondRoot, proof };
    },
  );

  r.get(
    '/v1/log/inclusion',
    {
      config: { permission: 'proof:read' },
      schema: {
        tags: ['log'],
        summary: "A batch's inclusion proof in the log of a size / 批次在日志中的包含证明",
        querystring: Type.Object({ seq: Size('batch seq'), size: Size('log size') }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            alg: Type.String(),
            seq: Type.Integer(),
            size: Type.Integer(),
            header: Type.Record(Type.String(), Type.Unknown()),
            leafHash: Hex(32, 'H(0x00 || headerBytes)'),
            root: Hex(32, 'log root at size'),
            path: Type.Array(Hex(32, 'hash')),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const size = sizeIn(req.query.size, 'size');
      const seq = Number(req.query.seq);
      if (seq >= size) throw new GatewayError('LOG_BAD_RANGE', `batch ${seq} is not in the log of size ${size}`);
      const batch = await ctx.batches.getBatch(seq);
      if (!batch) throw new GatewayError('BATCH_NOT_FOUND', `no batch ${seq}`);
      const [leafHash, root, path] = await Promise.all([log.leafHash(seq), log.root(size), log.inclusionProof(seq, size)]);
      return { alg: log.alg, seq, size, header: batch.header as unknown as Record<string, unknown>, leafHash, root, path };
    },
  );

  r.get(
    '/v1/log/checkpoints',
    {
      config: { permission: 'proof:read' },
      schema: {
        tags: ['log'],
        summary: 'Anchored checkpoints, page by page / 已锚定检查点（分页）',
        description: 'By increasing size, above `after` (a size; default 0). `next` is the `after` of the next page. / 按大小递增；next 为下一页的 after。',
        querystring: Type.Object(
          { after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ checkpoints: Type.Array(CheckpointBody), next: Type.Integer(), more: Type.Boolean() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (req) => {
      const after = Number(req.query.after ?? 0);
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100)));
      const page = await ctx.batches.anchoredCheckpoints(after, limit + 1);
      const shown = page.slice(0, limit);
      return { checkpoints: shown.map(view), next: shown.at(-1)?.checkpoint.size ?? after, more: page.length > limit };
    },
  );
};
