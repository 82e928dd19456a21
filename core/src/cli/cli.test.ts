import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';

const BIN = fileURLToPath(new URL('../../bin/evidence.js', import.meta.url));
const run = promisify(execFile);

async function evidence(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('evidence CLI as a process', () => {
  let dir: string;
  const file = (name: string, content: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  let valid: string[];
  let invalid: { path: string; failsAt: string }[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'evidence-cli-'));
    valid = vectors.bundles.filter((b) => b.valid).map((b, i) => file(`valid-${i}.json`, b.bundle));
    invalid = vectors.bundles
      .filter((b) => !b.valid)
      .map((b, i) => ({ path: file(`tampered-${i}.json`, b.bundle), failsAt: b.failsAt! }));
  });

  it('exits 0 and prints one JSON line per valid bundle', async () => {
    const r = await evidence('verify', '--json', ...valid);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(valid.length);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatchObject({ file: valid[i], valid: true, failedStep: null, message: 'valid', format: 'evidence-proof/1' });
      // Intact, and said plainly that the keys were not checked (no trust policy, no chain).
      expect(line.levels).toEqual({ intact: 'passed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' });
      expect(String(line.note)).toContain('the signing keys were not checked');
    }
  });

  it('exits 1 and names the failing step of each tampered bundle', async () => {
    const r = await evidence('verify', '--json', ...invalid.map((t) => t.path));
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((l) => [l.file, l.valid, l.failedStep])).toEqual(
      invalid.map((t) => [t.path, false, t.failsAt]),
    );
  });

  it('exits 1 when one of several bundles is invalid, and reports all', async () => {
    const r = await evidence('verify', '--json', valid[0]!, invalid[0]!.path);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((l) => l.valid)).toEqual([true, false]);
  });

  it('reports input that is not a bundle at format, and a malformed member at the step that reads it', async () => {
    const wrongFormat = file('wrong-format.json', { ...vectors.bundles[0]!.bundle, format: 'evidence-proof/3' });
    const notJson = file('not-json.json', '{"format": ');
    const noLeaf = file('no-leaf.json', { format: 'evidence-proof/1' });
    const r = await evidence('verify', '--json', wrongFormat, notJson, noLeaf);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((l) => l.failedStep)).toEqual(['format', 'format', 'leaf']);
  });

  it('exits 2 on an unreadable file and says it could not be read, not that it is invalid', async () => {
    const missing = join(dir, 'missing.json');
    const r = await evidence('verify', '--json', valid[0]!, missing);
    expect(r.code).toBe(2);
    const [ok, unreadable] = jsonLines(r.stdout);
    expect(ok).toMatchObject({ valid: true });
    expect(unreadable).toMatchObject({ file: missing, valid: false, failedStep: null, unreadable: true, message: `无法读取 cannot read ${missing}: ENOENT` });
    const human = await evidence('verify', missing);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain('无法读取 cannot read');
    expect(human.stdout).not.toContain('INVALID');
  });

  it('exits 2 on usage errors', async () => {
    expect((await evidence('verify')).code).toBe(2);
    expect((await evidence('verify', '--bogus', valid[0]!)).code).toBe(2);
    expect((await evidence('frobnicate')).code).toBe(2);
    expect((await evidence('hash', '--alg', 'md5', valid[0]!)).code).toBe(2);
    expect((await evidence()).code).toBe(2);
  });

  it('prints a step-by-step human report without --json', async () => {
    const r = await evidence('verify', invalid[0]!.path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ 披露 disclosure');
    expect(r.stdout).toContain('- 叶子 leaf: not checked');
    expect(r.stdout).toContain('无效 INVALID (disclosure)');
  });

  it('verifies the vector trace and rejects the tampered traces naming the hop', async () => {
    const { trace } = vectors;
    const good = file('trace.json', { hops: trace.hops, nodes: trace.nodes, request: trace.request, response: trace.response });
    const ok = await evidence('verify-trace', good, '--json');
    expect(ok.code).toBe(0);
    expect(jsonLines(ok.stdout)[0]).toMatchObject({ valid: true });
    for (const bad of vectors.badTraces) {
      const p = file(`bad-${bad.why.replace(/\W/g, '-')}.json`, { hops: bad.hops, nodes: trace.nodes });
      const r = await evidence('verify-trace', p, '--json');
      expect(r.code).toBe(1);
      expect(String(jsonLines(r.stdout)[0]!.message).startsWith(bad.result)).toBe(true);
    }
  });

  it('computes ids and digests, and generates usable keys', async () => {
    const [gw] = vectors.identifiers;
    expect((await evidence('id', gw!.code)).stdout.trim()).toBe(gw!.id);
    const abc = file('abc.txt', 'abc');
    expect((await evidence('hash', '--alg', 'sm3', abc)).stdout.trim()).toBe(vectors.sm3[0]!.digest);
    expect((await evidence('hash', '--alg', 'keccak256', abc)).stdout.trim()).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    );
    const keys = JSON.parse((await evidence('keygen')).stdout) as { privateKey: string; publicKey: string };
    expect(keys.privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.publicKey).toMatch(/^04[0-9a-f]{128}$/);
  });
});
