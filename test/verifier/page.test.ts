/**
 * The offline verification page, driven in headless Chromium as a court's
 * expert would use it: opened from disk (file://, no server, no network), a
 * bundle pasted, "Verify" clicked, each step of spec sections 8 and 12 read
 * off the page; for version 2, the log position, checkpoint and cosignatures
 * shown, and a witness policy file chosen beside the bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, signHeader, toHex } from '@evidence/core';
import { anchoredFixture, type AnchoredFixture } from '../support/anchored-bundle.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { vectors } from '../support/vectors.js';
import { failsAtMatches, v2 } from '../spec/v2-vectors.js';

describe.skipIf(!haveChromium)('verification page in headless Chromium (skipped: no /usr/bin/chromium)', () => {
  let browser: Browser;
  let page: Page;
  let pageUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'verifier-')), 'evidence-verifier.html');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-verifier.ts', out], { stdio: 'pipe' });
    expect(readFileSync(out, 'utf8')).toContain('存证证明核验');
    pageUrl = pathToFileURL(out).href;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pageUrl);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function verify(input: unknown): Promise<{ valid: string; failedStep: string; steps: [string, string][] }> {
    await page.fill('#input', typeof input === 'string' ? input : JSON.stringify(input));
    await page.click('#verify');
    const verdict = page.locator('#verdict');
    await verdict.waitFor();
    const steps = await page.$$eval('li.step[data-step]', (els) =>
      els.map((e) => [e.getAttribute('data-step') ?? '', e.getAttribute('data-status') ?? ''] as [string, string]),
    );
    return {
      valid: (await verdict.getAttribute('data-valid')) ?? '',
      failedStep: (await verdict.getAttribute('data-failed-step')) ?? '',
      steps,
    };
  }

  it.each(vectors.bundles.filter((b) => b.valid).map((b, i) => ({ ...b, i })))('valid vector bundle $i: every step passed', async ({ bundle }) => {
    const r = await verify(bundle);
    expect(r.valid).toBe('true');
    expect(r.steps).toEqual([
      ['disclosure', bundle.disclosure ? 'passed' : 'skipped'],
      ['leaf', 'passed'],
      ['inclusion', 'passed'],
      ['signature', 'passed'],
    ]);
    if (bundle.disclosure) {
      expect(JSON.parse((await page.textContent('#payload')) ?? 'null')).toEqual(bundle.disclosure.payload);
    }
  });

  it.each(vectors.bundles.filter((b) => !b.valid).map((b, i) => ({ ...b, i })))(
    'tampered vector bundle $i: the page names $failsAt',
    async ({ bundle, failsAt }) => {
      const r = await verify(bundle);
      expect(r.valid).toBe('false');
      expect(r.failedStep).toBe(failsAt);
      expect(r.steps.find(([, status]) => status === 'failed')?.[0]).toBe(failsAt);
    },
  );

  it('reports text that is not JSON, and a wrong format', async () => {
    expect((await verify('{"format":')).failedStep).toBe('format');
    expect((await verify({ ...vectors.bundles[0]!.bundle, format: 'x' })).failedStep).toBe('format');
  });

  it('verifies the vector hop trace and names the hop of a tampered one', async () => {
    const { trace } = vectors;
    expect((await verify({ hops: trace.hops, nodes: trace.nodes })).valid).toBe('true');
    const bad = vectors.badTraces[0]!;
    const r = await verify({ hops: bad.hops, nodes: trace.nodes });
    expect(r.valid).toBe('false');
    expect(await page.textContent('#verdict')).toContain(bad.result);
  });

  describe('version 2 bundles', () => {
    const V2_STEPS = ['disclosure', 'leaf', 'inclusion', 'signature', 'log', 'checkpoint', 'cosignature'];
    const bundle4 = v2.bundles[4]!.bundle as Extract<(typeof v2.bundles)[number]['bundle'], { log: unknown }>;
    const facts = (name: string) => page.$$eval(`li.step [data-fact="${name}"]`, (els) => els.map((e) => e.textContent ?? ''));

    async function choosePolicy(name: string, policy: unknown): Promise<string> {
      await page.setInputFiles('#policy-file', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(policy)) });
      await page.locator(`#policy-status[data-file="${name}"]`).waitFor();
      return (await page.getAttribute('#policy-status', 'data-state')) ?? '';
    }

    async function clearPolicy(): Promise<void> {
      if (await page.isVisible('#policy-clear')) await page.click('#policy-clear');
      expect(await page.getAttribute('#policy-status', 'data-state')).toBe('none');
    }

    it.each(v2.bundles.map((b, i) => ({ ...b, i })).filter((b) => b.valid))('valid v2 vector bundle $i: every step passed', async ({ bundle }) => {
      const r = await verify(bundle);
      expect(r.valid).toBe('true');
      const names = bundle.format === 'evidence-proof/2' ? V2_STEPS : V2_STEPS.slice(0, 4);
      expect(r.steps).toEqual(names.map((n) => [n, n === 'disclosure' && !bundle.disclosure ? 'skipped' : 'passed']));
    });

    it.each(v2.bundles.map((b, i) => ({ ...b, i })).filter((b) => !b.valid))('tampered v2 vector bundle $i: the page names $failsAt', async ({ bundle, failsAt }) => {
      const r = await verify(bundle);
      expect(r.valid).toBe('false');
      const message = (await page.textContent('#verdict > div')) ?? '';
      expect(failsAtMatches({ valid: false, failedStep: r.failedStep as never, message, steps: [] }, failsAt!), `${r.failedStep}: ${message}`).toBe(true);
      if (r.failedStep !== 'format') expect(r.steps.find(([, status]) => status === 'failed')?.[0]).toBe(r.failedStep);
    });

    it('shows the batch in the log, the checkpoint in Beijing time and each cosignature with its witness and time', async () => {
      expect((await verify(bundle4)).valid).toBe('true');
      expect(await page.textContent('#format')).toContain('evidence-proof/2');
      expect(await facts('position')).toEqual(['日志位置 Position in the log: 序号 index 8 / 大小 size 9']);
      expect(await facts('checkpoint-size')).toEqual(['大小 Size: 9']);
      expect(await facts('checkpoint-root')).toEqual([`根 Root: ${bundle4.log.checkpoint.root}`]);
      expect(await facts('checkpoint-time')).toEqual(['签署时间 Signed at: 2025-12-01 16:00:09.200 +08:00（北京时间 Beijing time）']);
      const cosignatures = await facts('cosignature');
      expect(cosignatures).toHaveLength(3);
      bundle4.log.cosignatures.forEach((c, i) => expect(cosignatures[i]).toMatch(new RegExp(`^见证人 Witness ${c.witness} · 时间 Time 2025-12-01 16:00:09\\.2\\d\\d \\+08:00$`)));
    });

    it('a tampered checkpoint fails at checkpoint and shows none of its unverified values', async () => {
      const r = await verify(v2.bundles[15]!.bundle);
      expect(r).toMatchObject({ valid: 'false', failedStep: 'checkpoint' });
      expect(r.steps.slice(4)).toEqual([
        ['log', 'passed'],
        ['checkpoint', 'failed'],
        ['cosignature', 'skipped'],
      ]);
      expect(await facts('checkpoint-time')).toEqual([]);
      expect(await facts('cosignature')).toEqual([]);
    });

    it('a witness policy that is not met fails at witnesses; the same bundle passes a policy it meets', async () => {
      try {
        const unmet = v2.policies.find((p) => p.expect === 'witnesses' && p.bundle === 4)!;
        expect(await choosePolicy('policy-unmet.json', unmet.policy)).toBe('loaded');
        const r = await verify(bundle4);
        expect(r).toMatchObject({ valid: 'false', failedStep: 'witnesses' });
        expect(r.steps.at(-1)).toEqual(['witnesses', 'failed']);
        expect(await facts('cosignature')).toContain(
          `见证人 Witness ${bundle4.log.cosignatures[0]!.witness} · 时间 Time 2025-12-01 16:00:09.240 +08:00 · 公钥与策略不符 key differs from the policy`,
        );

        const met = v2.policies.find((p) => p.expect === null && p.bundle === 4)!;
        expect(await choosePolicy('policy-met.json', met.policy)).toBe('loaded');
        // Loading a policy verifies the bundle on the page again.
        expect(await page.getAttribute('#verdict', 'data-valid')).toBe('true');
        expect((await verify(bundle4)).steps.at(-1)).toEqual(['witnesses', 'passed']);
        // A v1 bundle has no cosignatures: it fails as soon as the quorum is 1.
        expect(await verify(v2.bundles[8]!.bundle)).toMatchObject({ valid: 'false', failedStep: 'witnesses' });
      } finally {
        await clearPolicy();
      }
      expect((await verify(bundle4)).steps.map(([step]) => step)).toEqual(V2_STEPS);
    });

    it('reads the CLI policy shape, and refuses a malformed policy rather than apply part of it', async () => {
      try {
        const [a, b] = v2.witnesses;
        expect(await choosePolicy('policy-array.json', { quorum: 2, witnesses: [a, b] })).toBe('loaded');
        expect(await verify(bundle4)).toMatchObject({ valid: 'true' });
        expect(await facts('cosignature')).toContain(`见证人 Witness ${a!.id} · 时间 Time 2025-12-01 16:00:09.240 +08:00 · 受信 ${a!.code} trusted`);
        expect(await choosePolicy('policy-bad.json', { quorum: 3, witnesses: [a, b] })).toBe('error');
        expect(await page.textContent('#policy-status')).toContain('见证策略无效 invalid witness policy');
        expect((await verify(bundle4)).steps.map(([step]) => step)).not.toContain('witnesses');
      } finally {
        await clearPolicy();
      }
    });
  });

  it('made no network request: everything ran from the file', () => {
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  });

  describe('online anchor check, when the user gives a chain RPC URL', () => {
    let f: AnchoredFixture;
    beforeAll(async () => {
      f = await anchoredFixture();
    }, 120_000);
    afterAll(async () => {
      await f?.close();
    });

    async function checkOnline(bundle: unknown): Promise<string> {
      expect((await verify(bundle)).valid).toBe('true');
      await page.fill('#rpc', f.chain.rpcUrl);
      await page.click('#check-online');
      await page.locator('#online-result[data-anchored]').waitFor();
      const anchored = (await page.getAttribute('#online-result', 'data-anchored')) ?? '';
      await page.$eval('#online-result', (e) => e.removeAttribute('data-anchored'));
      return anchored;
    }

    it('confirms a bundle anchored on the chain, with the registered key', async () => {
      expect(await checkOnline(f.bundle)).toBe('true');
      expect(await page.textContent('#online-result')).toContain('anchored');
    });

    it('refuses a self-consistent bundle signed by a key the chain never registered', async () => {
      const impostor = generateSm2KeyPair();
      const forged = {
        ...f.bundle,
        signature: { alg: 'sm2', publicKey: impostor.publicKey, value: toHex(signHeader(f.bundle.batch, impostor.privateKey)) },
      };
      expect(await checkOnline(forged)).toBe('false');
    });
  });
});
