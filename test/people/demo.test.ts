/**
 * `npm run demo` as CI runs it: a fresh stack started by scripts/start.ts (a
 * process, in a temporary state folder, every port chosen at run time), then
 * scripts/demo.ts as a process against its stack.json. Every step of the
 * visit must pass (exit 0) and the summary must say so, the court's bundle
 * must show who cosigned it and pass a witness policy of quorum 2; the demo
 * must also say plainly when there is no stack to play against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('npm run demo against a freshly started stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-stack-'));
  let stack: ReturnType<typeof run> | undefined;
  afterAll(() => {
    if (stack && stack.child.exitCode === null) stack.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a stack: a clear message and exit 2', async () => {
    const demo = run('scripts/demo.ts', ['--stack', join(dir, 'missing.json')]);
    expect(await demo.exited).toBe(2);
    expect(demo.output()).toMatch(/is `npm start` running\? \/ 无法读取/);
  });

  it('plays the whole visit; every step passes', async () => {
    stack = run('scripts/start.ts', ['--gateways', '2', '--chain-port', '0', '--gateway-port', '0', '--dir', dir]);
    const end = Date.now() + 180_000;
    // The routing banner is the last thing npm start prints.
    while (!stack.output().includes('Its signed trace')) {
      if (stack.child.exitCode !== null || Date.now() > end) throw new Error(`npm start did not come up:\n${stack.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const demo = run('scripts/demo.ts', ['--stack', join(dir, 'stack.json')]);
    const code = await demo.exited;
    const out = demo.output();
    expect(code, out).toBe(0);
    for (const step of ['实名注册', '复诊资格', '在线问诊', '电子处方', '外院药师审核', '缴费', '授权保险公司', '保险理赔', '法院离线核验', '监管审计']) {
      expect(out).toMatch(new RegExp(`✓ \\[\\d+/10\\] [^\\n]*${step}`));
    }
    expect(out).toContain('403 CREDENTIAL_NOT_ACTIVE');
    expect(out).toMatch(/ClaimVerifier verified claim/);
    // The court's bundle: cosigned by the routing node and the other institution, in Beijing time, and accepted under a witness policy.
    expect(out).toMatch(/cosigned by RN-ZJ-01 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 北京时间 Beijing time/);
    expect(out).toMatch(/cosigned by H330100002 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 北京时间 Beijing time/);
    expect(out).toMatch(/witness policy \/ 见证策略: RN-ZJ-01, H330100001, H330100002, quorum 2; exported from the chain's registry with evidence witnesses export/);
    expect(out).toMatch(/evidence verify --witnesses: 2 trusted cosignatures \((RN-ZJ-01, H330100002|H330100002, RN-ZJ-01)\) meet the quorum of 2/);
    expect(out).toMatch(/结果 result[\s\S]*全部 10 步通过 · all 10 steps passed/);

    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
  }, 300_000);
});
