export {
  auditGateway,
  FINDING_TYPES,
  type AuditFinding,
  type AuditOptions,
  type AuditReport,
  type ChainView,
  type FindingType,
  type GatewayView,
  type ServedBatch,
} from './audit.js';
export { collectViews, type AuditProgress, type CollectOptions, type GatewaySource } from './collect.js';
