import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSm2KeyPair, sm2PublicKeyFromPrivate, type Sm2KeyPair } from '@evidence/core';
import { RoutingError } from '../errors.js';

export const KEY_FILE = 'sm2-key.json';

/**
 * The device's SM2 key: created on first start in its data folder (mode
 * 0600, written to a temporary file and renamed so a crash never leaves half
 * a key) and reused afterwards. A key file readable by others is tightened.
 */
export async function loadOrCreateKey(dataDir: string): Promise<Sm2KeyPair & { created: boolean }> {
  const path = join(dataDir, KEY_FILE);
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { privateKey?: unknown };
    if (typeof parsed.privateKey !== 'string') throw new Error('no privateKey');
    return { privateKey: parsed.privateKey, publicKey: sm2PublicKeyFromPrivate(parsed.privateKey), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RoutingError('INTERNAL', `the key file ${path} is unreadable: ${(e as Error).message}`);
    }
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pair = generateSm2KeyPair();
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ privateKey: pair.privateKey, publicKey: pair.publicKey }) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  return { ...pair, created: true };
}
