import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles the Solidity contracts once before any worker starts, so test files
 * never race on contracts/artifacts. Skipped when the artifacts are newer than
 * every source; a lock directory keeps two concurrent test runs from
 * compiling over each other. The compiler is the npm solc package: offline.
 */
const contracts = fileURLToPath(new URL('../../contracts/', import.meta.url));
const stamp = join(contracts, 'cache', 'compiled.stamp');
const lock = join(contracts, 'cache', 'compile.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  if (!existsSync(stamp)) return false;
  const sources = Math.max(newestSource(join(contracts, 'solidity')), statSync(join(contracts, 'hardhat.config.cjs')).mtimeMs);
  return statSync(stamp).mtimeMs > sources;
}

async function withLock(task: () => void): Promise<void> {
  mkdirSync(join(contracts, 'cache'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than five minutes belongs to a run that died.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) {
        try {
          rmdirSync(lock);
        } catch {
          // another run removed it first
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    task();
  } finally {
    rmdirSync(lock);
  }
}

export default async function setup(): Promise<void> {
  if (upToDate()) return;
  await withLock(() => {
    if (upToDate()) return;
    const startedAt = Date.now();
    const hardhat = createRequire(join(contracts, 'package.json')).resolve('hardhat/internal/cli/bootstrap.js');
    execFileSync(process.execPath, [hardhat, 'compile', '--quiet'], { cwd: contracts, stdio: 'inherit' });
    // Dated when compilation started: a source saved during it stays newer.
    writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
    utimesSync(stamp, startedAt / 1000, startedAt / 1000);
  });
}
