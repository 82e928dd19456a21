import { availableParallelism } from 'node:os';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FINDING_TYPES, runAudit, type AuditState, type GatewaySource, type ServedLog } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import type { BatchLog } from '../../log/batch-log.js';
import type { BatchStore, LogStore } from '../../ports/store.js';
import { errorResponses } from '../schemas.js';

/** The gateway's own history as the audit reads it: what GET /v1/batches/:seq and GET /v1/log/* serve. */
export function storeSource(batches: BatchStore & Pick<LogStore, 'anchoredCheckpoints'>, log: Pick<BatchLog, 'size' | 'leafHash' | 'inclusionProof' | 'consistencyProof'>): GatewaySource {
  return {
    closed: async () => (await batches.head())?.seq ?? -1,
    batch: async (seq) => {
      const b = await batches.getBatch(seq);
      return b && { header: b.header, signature: b.signature, publicKey: b.publicKey };
    },
    log: storeLog(batches, log),
  };
}

function storeLog(batches: Pick<LogStore, 'anchoredCheckpoints'>, log: Pick<BatchLog, 'size' | 'leafHash' | 'inclusionProof' | 'consistencyProof'>): ServedLog {
  const has = (size: number) => Number.isSafeInteger(size) && size >= 1 && size <= log.size;
  return {
    checkpoints: async (after, limit) => {
      const page = await batches.anchoredCheckpoints(after, limit + 1);
      const shown = page.slice(0, limit).map((r) => ({ checkpoint: r.checkpoint, signature: r.signature, publicKey: r.publicKey }));
      return { checkpoints: shown, more: page.length > limit };
    },
    inclusion: async (seq, size) => (has(size) && seq < size ? { leafHash: await log.leafHash(seq), path: await log.inclusionProof(seq, size) } : null),
    consistency: async (first, second) => (has(first) && has(second) && first <= second ? log.consistencyProof(first, second) : null),
  };
}

const Finding = Type.Object({
  type: Type.Enum(FINDING_TYPES as string[]),
  source: Type.Enum(['chain', 'gateway', 'both']),
  seq: Type.Integer(),
  through: Type.Optional(Type.Integer({ description: 'Last seq of a run of batches with this finding / 连续批次的最后一个' })),
  severity: Type.Enum(['error', 'warning']),
  message: Type.String(),
});

const Report = Type.Object({
  gateway: Type.String(),
  anchored: Type.Integer(),
  closed: Type.Integer(),
  ok: Type.Boolean(),
  findings: Type.Array(Finding),
  counts: Type.Record(Type.String(), Type.Integer()),
  anchoredOneByOne: Type.Integer({ description: 'Batches anchored one by one (version 1 data) / 逐批锚定的批次' }),
  log: Type.Object({ checkpoints: Type.Integer(), size: Type.Integer() }, { description: 'Anchored checkpoints on chain and the latest size / 链上检查点' }),
  audited: Type.Object({ from: Type.Integer(), to: Type.Integer() }, { description: 'Seqs examined by this run, [from, to) / 本次审计范围' }),
  resumedFrom: Type.Union([Type.Null(), Type.Integer()], { description: 'Where this run took up the previous clean audit / 续审起点' }),
  truncated: Type.Boolean(),
});

/** Signature threads for an audit run inside the gateway: one core is left to HTTP. */
const AUDIT_THREADS = Math.max(1, availableParallelism() - 1);

/**
 * GET /v1/audit: the regulator's audit (core/src/audit) run by the gateway
 * against the chain it anchors on: the anchored checkpoints and batches, the
 * seq/prev chain, every header signature against the key registered for its
 * seq, membership of every header in the anchored batch log, and the batches
 * it holds but has not anchored. Each clean run is remembered in memory, so
 * the next one audits only what was added since (`full=1` audits all again).
 * The independent form is `evidence audit`, which reads the chain from the
 * regulator's own node.
 */
export const auditRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  let last: AuditState | null = null;
  r.get(
    '/v1/audit',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['audit'],
        summary: "Audit of the gateway's history against the chain / 监管审计",
        description:
          'Gaps, forks, bad signatures (incl. rotated-out keys), headers not in the anchored log, inconsistent checkpoints, listed checkpoints not on chain, batches never anchored. ' +
          'Batches closed less than graceSeconds ago and not anchored are warnings. / 缺号、分叉、无效签名、不在已锚定日志中、检查点不一致、未锚定批次。',
        querystring: Type.Object(
          { graceSeconds: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })), full: Type.Optional(Type.Enum(['0', '1'])) },
          { additionalProperties: false },
        ),
        response: { 200: Report, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (req) => {
      if (!ctx.anchor) throw new GatewayError('CHAIN_NOT_CONFIGURED', 'this gateway anchors nowhere (ANCHOR=none): there is no chain to audit against');
      const graceSeconds = req.query.graceSeconds === undefined ? 600 : Number(req.query.graceSeconds);
      const state = req.query.full === '1' ? null : last;
      const outcome = await runAudit(ctx.anchor, ctx.gatewayId, storeSource(ctx.batches, ctx.batchLog), { graceMs: graceSeconds * 1000, state, threads: AUDIT_THREADS });
      last = outcome.state;
      return outcome.report;
    },
  );
};
