export { auditGateway, auditViews, type ChainView, type GatewayView, type MemoryLog } from './audit.js';
export { collectViews, type CollectOptions } from './collect.js';
export { CompactRange } from './compact-range.js';
export { auditEngine, type AuditOutcome, type EngineOptions } from './engine.js';
export { epochsFromKeyAt, epochsFromKeys, KeyHistory } from './keys.js';
export { createVerifier, defaultAuditThreads, type SignatureVerifier } from './pool.js';
export { runAudit, type AuditChain, type GatewaySource, type RunAuditOptions, type ServedLog } from './run.js';
export { AUDIT_STATE_FORMAT, AuditStateError, parseAuditState, type AuditState } from './state.js';
export {
  FINDING_TYPES,
  type AuditFinding,
  type AuditOptions,
  type AuditProgress,
  type AuditReport,
  type FindingType,
  type KeyEpoch,
  type LogInclusion,
  type ServedBatch,
  type ServedCheckpoint,
  type ServedCheckpointPage,
} from './types.js';
