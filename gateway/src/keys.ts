import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex, generateSm2KeyPair, isValidSm2PublicKey, sm2PublicKeyFromPrivate, toHex } from '@evidence/core';

/** The gateway's secrets, created once in its data folder and reused. */
export interface GatewayKeys {
  /** SM2 key pair that signs batch headers and webhook deliveries (hex; public 04||x||y). */
  sm2: { privateKey: string; publicKey: string };
  /** 32-byte secret of subject pseudonyms, SM3(subjectKey || idNumber). */
  subjectKey: Uint8Array;
  /** 32-byte SM4 key that wraps every per-record payload key. */
  masterKey: Uint8Array;
}

const FILE = 'keys.json';

/**
 * Loads the keys from `<dataDir>/keys.json`, or creates them on first start
 * with owner-only permissions (0600; folder 0700). Refuses a key file others
 * can read: whoever reads it can forge batches and link pseudonyms.
 */
export async function loadOrCreateKeys(dataDir: string): Promise<GatewayKeys> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text === null) {
    const keys: GatewayKeys = { sm2: generateSm2KeyPair(), subjectKey: new Uint8Array(randomBytes(32)), masterKey: new Uint8Array(randomBytes(32)) };
    const body = JSON.stringify(
      { v: 1, sm2: keys.sm2, subjectKey: toHex(keys.subjectKey), masterKey: toHex(keys.masterKey) },
      null,
      2,
    );
    // 'wx' fails if another process created the file meanwhile, instead of overwriting its keys.
    await writeFile(path, body + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    return keys;
  }
  const mode = (await stat(path)).mode & 0o077;
  if (mode !== 0) throw new Error(`${path} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
  return parseKeys(text, path);
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
