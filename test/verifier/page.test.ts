/**
 * The offline verification page, driven in headless Chromium as a court's
 * expert would use it: opened from disk (file://, no server, no network), a
 * bundle pasted, "Verify" clicked, each step of spec section 8 read off the page.
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
    expect((await verify('{"format":')).failedStep).toBe('malformed');
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
