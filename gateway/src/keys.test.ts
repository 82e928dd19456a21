import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sm2PublicKeyFromPrivate } from '@evidence/core';
import { loadConfig } from './config/load.js';
import { fileKeySource, keySourceFor, loadOrCreateKeyFile, loadOrCreateKeys } from './keys.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = () => {
  const d = join(mkdtempSync(join(tmpdir(), 'gw-keys-')), 'data');
  dirs.push(d);
  return d;
};

describe('gateway keys', () => {
  it('are created on first start, owner-only, and reused afterwards', async () => {
    const dir = fresh();
    const first = await loadOrCreateKeys(dir);
    expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(sm2PublicKeyFromPrivate(first.sm2.privateKey)).toBe(first.sm2.publicKey);
    expect(first.subjectKey).toHaveLength(32);
    expect(first.masterKey).toHaveLength(32);
    const again = await loadOrCreateKeys(dir);
    expect(again).toEqual(first);
  });

  it('refuses a key file others can read', async () => {
    const dir = fresh();
    await loadOrCreateKeys(dir);
    chmodSync(join(dir, 'keys.json'), 0o644);
    await expect(loadOrCreateKeys(dir)).rejects.toThrow(/chmod 600/);
  });

  it('refuses a key file whose public key is not its private key', async () => {
    const dir = fresh();
    await loadOrCreateKeys(dir);
    const path = join(dir, 'keys.json');
    const k = JSON.parse(readFileSync(path, 'utf8')) as { sm2: { publicKey: string } };
    k.sm2.publicKey = '04' + '11'.repeat(64);
    writeFileSync(path, JSON.stringify(k), { mode: 0o600 });
    await expect(loadOrCreateKeys(dir)).rejects.toThrow(/does not belong/);
  });

  it('come from KEYS_FILE outside the data folder, and several instances starting at once share one set', async () => {
    const root = fresh();
    const path = join(root, 'secrets', 'gateway-keys.json');
    const data = join(root, 'data');
    const source = keySourceFor({ DATA_DIR: data, KEYS_FILE: path });
    const all = await Promise.all(Array.from({ length: 8 }, () => source.load()));
    for (const k of all) expect(k).toEqual(all[0]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await fileKeySource(path, { create: false }).load()).toEqual(all[0]);
  });

  it('are not created by a production start unless asked once', async () => {
    const root = fresh();
    const path = join(root, 'keys', 'k.json');
    const production = { DATA_DIR: join(root, 'data'), KEYS_FILE: path, PRODUCTION: true };
    await expect(keySourceFor(production).load()).rejects.toThrow(/KEYS_CREATE/);
    const created = await keySourceFor({ ...production, KEYS_CREATE: true }).load();
    expect(await keySourceFor(production).load()).toEqual(created);
    await expect(loadOrCreateKeyFile(join(root, 'nowhere.json'), { create: false })).rejects.toThrow(/no gateway key file/);
  });

  it('a production start names its key file and refuses one inside the data folder unless allowed', () => {
    const base = { GATEWAY_CODE: 'H330100001', ANCHOR: 'none', DATA_DIR: '/srv/evidence/data' };
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/KEYS_FILE: required in production/);
    expect(() => loadConfig({ ...base, PRODUCTION: 'true', KEYS_FILE: '/srv/evidence/data/keys.json' })).toThrow(/inside DATA_DIR/);
    expect(() => loadConfig({ ...base, PRODUCTION: 'true', KEYS_FILE: '/srv/evidence/data/../data/sub/k.json' })).toThrow(/inside DATA_DIR/);
    expect(loadConfig({ ...base, PRODUCTION: 'true', KEYS_FILE: '/srv/evidence/data/keys.json', KEYS_INSIDE_DATA_DIR: 'allow' }).KEYS_FILE).toBe('/srv/evidence/data/keys.json');
    expect(loadConfig({ ...base, NODE_ENV: 'production', KEYS_FILE: '/srv/evidence/keys/keys.json' }).PRODUCTION).toBe(true);
    // Development keeps the convenient default inside the data folder.
    expect(loadConfig(base).KEYS_FILE).toBeUndefined();
  });
});
