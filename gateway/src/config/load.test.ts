import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

const minimal = { GATEWAY_CODE: 'H330100001', ANCHOR: 'none' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('configuration was accepted');
}

describe('loadConfig', () => {
  it('applies the embedded defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({ HOST: '127.0.0.1', PORT: 8080, BATCH_SIZE: 1024, BATCH_MAX_AGE_MS: 1000, ANCHOR: 'none', ALLOW_BEARER: false, ANCHOR_WORKER: 'embedded' });
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('converts numbers and booleans from environment strings', () => {
    const c = loadConfig({ ...minimal, PORT: '0', BATCH_SIZE: '16', ALLOW_BEARER: 'true', DEV_TOKEN: 'x'.repeat(20) });
    expect(c).toMatchObject({ PORT: 0, BATCH_SIZE: 16, ALLOW_BEARER: true });
  });

  it('names every bad setting', () => {
    const p = problems({ ...minimal, PORT: 'eighty', BATCH_SIZE: '0', ANCHOR: 'bitcoin' });
    expect(p.join('\n')).toMatch(/PORT/);
    expect(p.join('\n')).toMatch(/BATCH_SIZE/);
    expect(p.join('\n')).toMatch(/ANCHOR/);
    expect(problems({ ANCHOR: 'none' }).join()).toMatch(/GATEWAY_CODE/);
  });

  it('checks the settings each choice needs', () => {
    expect(problems({ GATEWAY_CODE: 'H1' }).join()).toMatch(/EVM_RPC_URL.*EVM_CONTRACT.*EVM_PRIVATE_KEY/s);
    expect(problems({ ...minimal, ANCHOR: 'fabric' }).join()).toMatch(/FABRIC_PEER_ENDPOINT/);
    expect(problems({ ...minimal, ANCHOR_WORKER: 'external' }).join()).toMatch(/REDIS_URL/);
    expect(problems({ ...minimal, DEV_TOKEN: 'x'.repeat(20) }).join()).toMatch(/ALLOW_BEARER/);
    expect(problems({ ...minimal, ANCHOR: 'evm', EVM_RPC_URL: 'http://127.0.0.1:8545', EVM_CONTRACT: '0x12', EVM_PRIVATE_KEY: '0x' + '1'.repeat(64) }).join()).toMatch(/EVM_CONTRACT/);
  });
});
