/** `evidence verify` on version 2 bundles, with and without a witness policy, as a process. */
import { describe, expect, it } from 'vitest';
import { failsAtMatches, v2 } from '../spec/v2-vectors.js';
import { evidence, jsonLines, scratch } from './run-evidence.js';

const file = scratch('evidence-cli-v2-');
const bundles = v2.bundles.map((b, i) => ({ ...b, i, path: file(`bundle-${i}.json`, b.bundle) }));
const bundle4 = bundles[4]!;
const logOf4 = (bundle4.bundle as Extract<typeof bundle4.bundle, { log: unknown }>).log;

describe('evidence verify, version 2 bundles', () => {
  it('exits 0 on the valid vector bundles of both formats, reporting the format and the log', async () => {
    const valid = bundles.filter((b) => b.valid);
    const r = await evidence(['verify', '--json', ...valid.map((b) => b.path)]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l.file, l.valid, l.failedStep, l.format])).toEqual(valid.map((b) => [b.path, true, null, b.bundle.format]));
    expect(lines[valid.indexOf(bundle4)]).toMatchObject({ log: { index: 8, checkpoint: logOf4.checkpoint } });
  });

  it('exits 1 and names the failing step of every tampered vector; the detail starts the message', async () => {
    const tampered = bundles.filter((b) => !b.valid);
    const r = await evidence(['verify', '--json', ...tampered.map((b) => b.path)]);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(tampered.length);
    for (const [i, line] of lines.entries()) {
      const { failsAt, path } = tampered[i]!;
      expect(line.file).toBe(path);
      expect(line.valid).toBe(false);
      const asResult = { valid: false as const, failedStep: line.failedStep as never, message: String(line.message), steps: [] };
      expect(failsAtMatches(asResult, failsAt!), `${path}: ${String(line.failedStep)} ${String(line.message)}`).toBe(true);
    }
  });

  it('prints every step in Chinese and English, with the position in the log, the checkpoint in Beijing time and each cosignature', async () => {
    const r = await evidence(['verify', bundle4.path]);
    expect(r.code).toBe(0);
    for (const expected of [
      '格式 format: evidence-proof/2',
      '✓ 日志 log:',
      '批次在日志中 batch in log: 序号 index 8 / 日志大小 size 9',
      '✓ 检查点 checkpoint:',
      `大小 size 9 · 根 root ${logOf4.checkpoint.root}`,
      '签署时间 signed at 2025-12-01 16:00:09.200 +08:00（北京时间 Beijing time）',
      '✓ 见证签名 cosignature: 3 cosignature(s) verify over this checkpoint',
      ...logOf4.cosignatures.map((c) => `见证人 witness ${c.witness} · 时间 time 2025-12-01 16:00:09.2`),
      '结果 result: 内容完整 INTACT · 密钥未核验 keys not checked',
      '② 机构密钥 the institution\'s keys: 未核验 not checked',
    ]) {
      expect(r.stdout).toContain(expected);
    }
  });

  it('a tampered checkpoint: the checkpoint step fails and its unverified values are not shown', async () => {
    const r = await evidence(['verify', bundles[15]!.path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ 检查点 checkpoint: the SM2 signature does not verify');
    expect(r.stdout).not.toContain('签署时间 signed at');
    expect(r.stdout).toContain('- 见证签名 cosignature: not checked: checkpoint failed');
    expect(r.stdout).toContain('无效 INVALID (checkpoint)');
  });

  it('a finer detail is printed after the step: log: position', async () => {
    const r = await evidence(['verify', bundles[13]!.path]);
    expect(r.stdout).toContain('✗ 日志 log: position: log.inclusion.size 8 is not checkpoint.size 9');
  });
});

describe('evidence verify --witnesses', () => {
  it.each(v2.policies.map((p, i) => ({ ...p, i })))('vector policy $i on bundle $bundle: $expect', async ({ policy, bundle, expect: expected, i }) => {
    const r = await evidence(['verify', '--json', '--witnesses', file(`policy-${i}.json`, policy), bundles[bundle]!.path]);
    const [line] = jsonLines(r.stdout);
    if (expected === null) {
      expect(r.code).toBe(0);
      expect(line).toMatchObject({ valid: true, witnesses: { quorum: policy.quorum } });
    } else {
      expect(r.code).toBe(1);
      expect(line).toMatchObject({ valid: false, failedStep: expected, detail: 'quorum' });
    }
  });

  it('reads the array shape with codes, and marks each cosigner trusted, not listed, or listed with another key', async () => {
    const [a, b, c] = v2.witnesses;
    const policy = { quorum: 1, witnesses: [a, { ...b, publicKey: c!.publicKey }] };
    const r = await evidence(['verify', '--witnesses', file('policy-codes.json', policy), bundle4.path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`见证人 witness ${a!.id}`);
    expect(r.stdout).toContain(`受信 ${a!.code} trusted`);
    expect(r.stdout).toContain(`公钥与策略不符 ${b!.code} key differs from the policy`);
    expect(r.stdout).toContain('未列入策略 not in the policy');
    expect(r.stdout).toContain('✓ 见证策略 witnesses: 1 cosignature(s) by trusted witnesses, quorum 1');
  });

  it('too few trusted cosignatures fail at witnesses; a v1 bundle fails as soon as the quorum is 1', async () => {
    const [a, b] = v2.witnesses;
    const policy = file('policy-two.json', { quorum: 1, witnesses: [a, b] });
    const r = await evidence(['verify', '--json', '--witnesses', policy, bundles[0]!.path, bundles[9]!.path]);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((l) => [l.valid, l.failedStep])).toEqual([
      [false, 'witnesses'],
      [false, 'witnesses'],
    ]);
  });

  it('exits 2 on a policy that cannot be read or is malformed, before verifying anything', async () => {
    const missing = await evidence(['verify', '--witnesses', file('x', '') + '.missing', bundle4.path]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('无法读取见证策略 cannot read the witness policy');
    expect(missing.stdout).toBe('');
    const bad = await evidence(['verify', '--witnesses', file('bad-policy.json', { quorum: 4, witnesses: v2.witnesses }), bundle4.path]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('见证策略无效 invalid witness policy');
    expect(bad.stderr).toContain('quorum 4 exceeds the 3 trusted witnesses');
  });
});
