/**
 * `npm run bench`: runs every scripts/bench/*.bench.ts in turn, each in its own
 * process so one benchmark's heap and JIT state cannot colour the next.
 * `npm run bench -- merkle sm2` runs only the files whose names contain a word.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

// Servers forked as deployed (the gateway from gateway/dist) must not be stale: build first (incremental).
const build = spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  // --conditions=source: in-process benchmarks run the workspace packages from src/.
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--expose-gc', join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=8192`.trim() },
  });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
