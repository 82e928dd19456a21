import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { fromHex, generateSm2KeyPair, isValidSm2PublicKey, sm2PublicKeyFromPrivate, toHex } from '@evidence/core';
import type { GatewayKeys, KeySource } from './ports/key-source.js';

export type { GatewayKeys, KeySource } from './ports/key-source.js';

const FILE = 'keys.json';

export class KeyFileMissing extends Error {
  constructor(readonly path: string) {
    super(`no gateway key file at ${path}; create it on purpose (KEYS_CREATE=true once) or point KEYS_FILE at the existing one / 找不到网关密钥文件`);
    this.name = 'KeyFileMissing';
  }
}

/**
 * Loads the keys from `<dataDir>/keys.json`, or creates them on first start:
 * the convenient default of a development start (a production start names
 * KEYS_FILE outside the data folder, see keySourceFor).
 */
export function loadOrCreateKeys(dataDir: string): Promise<GatewayKeys> {
  return loadOrCreateKeyFile(join(dataDir, FILE), { create: true });
}

/** The key file a configuration names: KEYS_FILE, else `<DATA_DIR>/keys.json`. */
export function keyFilePath(config: { DATA_DIR: string; KEYS_FILE?: string }): string {
  return resolve(config.KEYS_FILE ?? join(config.DATA_DIR, FILE));
}

/** True when `file` would sit inside `dir` (symbolic links of the parts that exist resolved). */
export function isInside(file: string, dir: string): boolean {
  const real = (p: string): string => {
    const abs = resolve(p);
    if (existsSync(abs)) return realpathSync(abs);
    const parent = dirname(abs);
    return parent === abs ? abs : join(real(parent), relative(parent, abs));
  };
  const rel = relative(real(dir), real(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The key file as a key source; `create` lets the first start write it. */
export function fileKeySource(path: string, options: { create: boolean }): KeySource {
  return { where: `file ${path}`, load: () => loadOrCreateKeyFile(path, options) };
}

/** The key source of a configuration (KEYS_FILE, the default, KEYS_CREATE; production checks are in config/load.ts). */
export function keySourceFor(config: { DATA_DIR: string; KEYS_FILE?: string; KEYS_CREATE?: boolean; PRODUCTION?: boolean }): KeySource {
  return fileKeySource(keyFilePath(config), { create: !config.PRODUCTION || config.KEYS_CREATE === true });
}

/**
 * Loads a key file, or creates it with owner-only permissions (0600; its
 * folder 0700) when allowed. Refuses a key file others can read: whoever
 * reads it can forge batches, link pseudonyms and open every payload.
 * Several instances may start at once on one file: the file is written
 * whole under a temporary name and linked into place, which fails when
 * another instance got there first; that instance's keys are then read.
 */
export async function loadOrCreateKeyFile(path: string, options: { create: boolean }): Promise<GatewayKeys> {
  let text = await readIfExists(path);
  if (text === null) {
    if (!options.create) throw new KeyFileMissing(path);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const created = await createKeyFile(path);
    if (created) return created;
    text = await readIfExists(path);
    if (text === null) throw new KeyFileMissing(path);
  }
  const mode = (await stat(path)).mode & 0o077;
  if (mode !== 0) throw new Error(`${path} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
  return parseKeys(text, path);
}

/** Writes fresh keys at `path`; null when another process created the file meanwhile. */
async function createKeyFile(path: string): Promise<GatewayKeys | null> {
  const keys: GatewayKeys = { sm2: generateSm2KeyPair(), subjectKey: new Uint8Array(randomBytes(32)), masterKey: new Uint8Array(randomBytes(32)) };
  const body = JSON.stringify({ v: 1, sm2: keys.sm2, subjectKey: toHex(keys.subjectKey), masterKey: toHex(keys.masterKey) }, null, 2);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, body + '\n', { mode: 0o600, flag: 'wx', flush: true });
  await chmod(temporary, 0o600);
  try {
    // link() never replaces an existing file: the first instance's keys win, whole.
    await link(temporary, path);
    return keys;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function parseKeys(text: string, path: string): GatewayKeys {
  const raw = JSON.parse(text) as { v?: number; sm2?: { privateKey?: string; publicKey?: string }; subjectKey?: string; masterKey?: string };
  if (raw.v !== 1 || !raw.sm2?.privateKey) throw new Error(`${path} is not a version 1 gateway key file`);
  const publicKey = sm2PublicKeyFromPrivate(raw.sm2.privateKey);
  if (raw.sm2.publicKey !== undefined && raw.sm2.publicKey !== publicKey) {
    throw new Error(`${path}: the SM2 public key does not belong to the private key`);
  }
  if (!isValidSm2PublicKey(publicKey)) throw new Error(`${path}: invalid SM2 key`);
  return {
    sm2: { privateKey: raw.sm2.privateKey, publicKey },
    subjectKey: fromHex(raw.subjectKey, 32, 'subjectKey'),
    masterKey: fromHex(raw.masterKey, 32, 'masterKey'),
  };
}
