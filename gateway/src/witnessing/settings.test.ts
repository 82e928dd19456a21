import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import { ConfigError, loadConfig } from '../config/load.js';
import { readWitnessesSetting, WitnessSettingsError } from './settings.js';

const key = generateSm2KeyPair().publicKey;
const other = generateSm2KeyPair().publicKey;
const idA = 'a1'.repeat(32);
const idB = 'b2'.repeat(32);
const good = [
  { id: idA, url: 'http://127.0.0.1:7301/', publicKey: key, code: 'RN-ZJ-01' },
  { id: idB, url: 'https://witness.example.org/base', publicKey: other },
];

function problems(value: string, ownId?: string): string[] {
  try {
    readWitnessesSetting(value, ownId);
  } catch (e) {
    if (e instanceof WitnessSettingsError) return e.problems;
    throw e;
  }
  throw new Error('accepted');
}

const dir = mkdtempSync(join(tmpdir(), 'gw-witnesses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WITNESSES', () => {
  it('reads a JSON array, trailing slashes dropped, code kept only when given', () => {
    expect(readWitnessesSetting(JSON.stringify(good))).toEqual([
      { id: idA, url: 'http://127.0.0.1:7301', publicKey: key, code: 'RN-ZJ-01' },
      { id: idB, url: 'https://witness.example.org/base', publicKey: other },
    ]);
  });

  it('reads the same array from a file named by the setting', () => {
    const file = join(dir, 'witnesses.json');
    writeFileSync(file, JSON.stringify(good));
    expect(readWitnessesSetting(file).map((w) => w.id)).toEqual([idA, idB]);
    expect(problems(join(dir, 'missing.json'))[0]).toMatch(/neither a JSON array nor a readable file/);
  });

  it('names every problem of every entry at once', () => {
    const bad = [
      { id: 'A1'.repeat(32), url: 'ftp://x', publicKey: key },
      { id: idB, url: 'http://user:pw@host', publicKey: '04' + '00'.repeat(64) },
      { id: idB, url: 'http://host?x=1', publicKey: other, code: 'has space', extra: 1 },
      { id: idA, url: 'not a url', publicKey: key },
      'nope',
    ];
    const p = problems(JSON.stringify(bad)).join('\n');
    expect(p).toMatch(/WITNESSES\[0\]\.id: must be the witness's registered id/);
    expect(p).toMatch(/WITNESSES\[0\]\.url: must be http:\/\/ or https:\/\//);
    expect(p).toMatch(/WITNESSES\[1\]\.publicKey: must be a 65-byte SM2 public key/);
    expect(p).toMatch(/WITNESSES\[1\]\.url: must not carry a user name or password/);
    expect(p).toMatch(/WITNESSES\[2\]\.extra: unknown field/);
    expect(p).toMatch(/WITNESSES\[2\]\.code: must be 1 to 64/);
    expect(p).toMatch(/WITNESSES\[2\]\.url: must not have a query/);
    expect(p).toMatch(/WITNESSES\[3\]\.url: "not a url" is not a URL/);
    expect(p).toMatch(/WITNESSES\[4\]: must be an object/);
  });

  it('refuses a witness listed twice and the gateway itself', () => {
    expect(problems(JSON.stringify([good[0], { ...good[0], url: 'http://other:1' }])).join()).toMatch(/WITNESSES\[1\]\.id: the same witness as WITNESSES\[0\]/);
    expect(problems(JSON.stringify(good), idB).join()).toMatch(/WITNESSES\[1\]\.id: is this gateway's own id/);
  });

  it('refuses what is not a JSON array', () => {
    expect(problems('[{')[0]).toMatch(/WITNESSES: not JSON/);
    const file = join(dir, 'object.json');
    writeFileSync(file, JSON.stringify({ witnesses: good }));
    expect(problems(file)[0]).toMatch(/must be a JSON array/);
  });
});

describe('witness settings in the gateway configuration', () => {
  const minimal = { GATEWAY_CODE: 'H330100001', ANCHOR: 'none' };
  const configProblems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.join('\n');
      throw e;
    }
    throw new Error('accepted');
  };

  it('defaults to no witnesses, no waiting, 2 s', () => {
    expect(loadConfig(minimal)).toMatchObject({ WITNESS_QUORUM: 0, WITNESS_TIMEOUT_MS: 2000 });
    expect(loadConfig(minimal).WITNESSES).toBeUndefined();
    expect(loadConfig({ ...minimal, WITNESSES: JSON.stringify(good), WITNESS_QUORUM: '2', WITNESS_TIMEOUT_MS: '500' })).toMatchObject({ WITNESS_QUORUM: 2, WITNESS_TIMEOUT_MS: 500 });
  });

  it('refuses a quorum that could never be met, a bad list, and a witness that is the gateway', () => {
    expect(configProblems({ ...minimal, WITNESS_QUORUM: '1' })).toMatch(/WITNESS_QUORUM: 1 exceeds the 0 witnesses/);
    expect(configProblems({ ...minimal, WITNESSES: JSON.stringify(good), WITNESS_QUORUM: '3' })).toMatch(/WITNESS_QUORUM: 3 exceeds the 2 witnesses/);
    expect(configProblems({ ...minimal, WITNESSES: '[{"id":"x"}]' })).toMatch(/WITNESSES\[0\]\.id/);
    const own = toHex(entityId(minimal.GATEWAY_CODE));
    expect(configProblems({ ...minimal, WITNESSES: JSON.stringify([{ ...good[0], id: own }]) })).toMatch(/own id/);
    expect(configProblems({ ...minimal, WITNESS_TIMEOUT_MS: '10' })).toMatch(/WITNESS_TIMEOUT_MS/);
  });
});
