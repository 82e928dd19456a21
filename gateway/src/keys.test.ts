import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sm2PublicKeyFromPrivate } from '@evidence/core';
import { loadOrCreateKeys } from './keys.js';

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
});
