import { Value } from 'typebox/value';
import { entityId, toHex } from '@evidence/core';
import { chainSettingsProblems } from '../chains/index.js';
import { isInside, keyFilePath } from '../keys.js';
import { allowEntryProblem, parseWebhookAllow } from '../subscriptions/webhook-target.js';
import { readWitnessesSetting, WitnessSettingsError } from '../witnessing/settings.js';
import { ConfigSchema, type GatewayConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid gateway configuration / 网关配置无效:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the configuration from environment variables (strings), converts
 * numbers and booleans, applies defaults and validates it. Cross-field rules
 * the schema cannot express (EVM needs an RPC URL...) are checked here too.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const known = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  if (raw.PRODUCTION === undefined && env.NODE_ENV === 'production') raw.PRODUCTION = true;
  Object.assign(raw, overrides);
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw));
  const problems = Value.Errors(ConfigSchema, withDefaults).map((e) => `${e.instancePath.slice(1) || 'config'}: ${e.message}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const config = withDefaults as GatewayConfig;
  problems.push(...crossFieldProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function crossFieldProblems(c: GatewayConfig): string[] {
  const out: string[] = [];
  out.push(...chainSettingsProblems(c));
  if (c.ANCHOR_WORKER === 'external' && !c.REDIS_URL) out.push('ANCHOR_WORKER: external needs REDIS_URL (jobs must outlive this process)');
  if (c.STORE === 'postgres' && !c.DATABASE_URL) out.push('DATABASE_URL: required when STORE=postgres / STORE=postgres 时必须设置');
  if (c.DEV_TOKEN && !c.ALLOW_BEARER) out.push('DEV_TOKEN: set ALLOW_BEARER=true to use bearer tokens');
  out.push(...keyProblems(c));
  for (const entry of parseWebhookAllow(c.WEBHOOK_ALLOW)) {
    const problem = allowEntryProblem(entry);
    if (problem) out.push(`WEBHOOK_ALLOW: ${problem}`);
  }
  out.push(...witnessProblems(c));
  return out;
}

/** WITNESSES read and checked now (a file too), so a typo stops the start instead of cosignatures silently never coming. */
function witnessProblems(c: GatewayConfig): string[] {
  let count = 0;
  if (c.WITNESSES) {
    try {
      count = readWitnessesSetting(c.WITNESSES, toHex(entityId(c.GATEWAY_CODE))).length;
    } catch (e) {
      if (e instanceof WitnessSettingsError) return e.problems;
      throw e;
    }
  }
  if (c.WITNESS_QUORUM > count) {
    return [`WITNESS_QUORUM: ${c.WITNESS_QUORUM} exceeds the ${count} witnesses in WITNESSES; it could never be met / 法定联署数超过见证方数量，永远无法满足`];
  }
  return [];
}

/** A production start says where its keys are, and keeps them out of the data folder unless told otherwise. */
function keyProblems(c: GatewayConfig): string[] {
  if (!c.PRODUCTION) return [];
  if (!c.KEYS_FILE) return ['KEYS_FILE: required in production (NODE_ENV=production or PRODUCTION=true): the key file, outside DATA_DIR / 生产环境须指定密钥文件'];
  if (c.KEYS_INSIDE_DATA_DIR !== 'allow' && isInside(keyFilePath(c), c.DATA_DIR)) {
    return [`KEYS_FILE: ${c.KEYS_FILE} is inside DATA_DIR, so every backup of the data carries the key that opens it; move it, or set KEYS_INSIDE_DATA_DIR=allow / 密钥文件不应位于数据目录内`];
  }
  return [];
}
