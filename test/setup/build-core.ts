import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Process-level tests run the compiled `evidence` bin (core/dist), whose
 * online check loads the compiled EVM adapter (contracts/dist). Build both
 * once before any worker starts, so a stale dist can never be what is tested.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-b', 'core', 'contracts'], {
    cwd: root,
    stdio: 'inherit',
  });
}
