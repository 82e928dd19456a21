/**
 * The verification page served by a running gateway at GET /verify: the same
 * self-contained file `npm run build:verifier` writes, answered as HTML with
 * its content policy; 503 VERIFIER_NOT_BUILT (a coded JSON error) while the
 * file does not exist, and served without a restart once it does. In
 * headless Chromium (when installed) the served page verifies vector bundles
 * of both formats.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { vectors } from '../support/vectors.js';
import { v2 } from '../spec/v2-vectors.js';
import { baseEnv, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';

describe('GET /verify on a gateway', () => {
  const dir = tempDir('verify-page-');
  const pageFile = join(dir.path, 'web', 'evidence-verifier.html');
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startGateway(baseEnv('H330100001', join(dir.path, 'data'), { ANCHOR: 'none', VERIFIER_PAGE: pageFile }));
  });
  afterAll(async () => {
    await gw?.close();
    dir.remove();
  });

  it('answers 503 VERIFIER_NOT_BUILT before the page is built', async () => {
    const res = await fetch(`${gw.url}/verify`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('VERIFIER_NOT_BUILT');
    expect(body.message).toContain('npm run build:verifier');
  });

  it('serves the built page, publicly, as HTML with its content policy', async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-verifier.ts', pageFile], { stdio: 'pipe' });
    const res = await fetch(`${gw.url}/verify`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('存证证明核验 · Evidence proof verification');
    expect(html).not.toContain('/*BUNDLE*/');
    expect(html.length).toBeGreaterThan(100_000); // the core verifier is bundled into the page
  }, 120_000);

  it.skipIf(!haveChromium)('the served page verifies a valid vector bundle and names the failing step of a tampered one', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${gw.url}/verify`);
      const run = async (bundle: unknown) => {
        await page.fill('#input', JSON.stringify(bundle));
        await page.click('#verify');
        const verdict = page.locator('#verdict');
        await verdict.waitFor();
        return { valid: await verdict.getAttribute('data-valid'), failed: await verdict.getAttribute('data-failed-step') };
      };
      const valid = vectors.bundles.find((b) => b.valid)!;
      expect(await run(valid.bundle)).toMatchObject({ valid: 'true' });
      // Intact, and said to be only that: no trust policy was given, so the keys were not checked.
      expect(await page.getAttribute('#levels li[data-level="keys"]', 'data-status')).toBe('not-checked');
      expect(await page.textContent('#verdict')).toContain('密钥未核验 keys not checked');
      const tampered = vectors.bundles.find((b) => !b.valid)!;
      expect(await run(tampered.bundle)).toEqual({ valid: 'false', failed: tampered.failsAt });
      // Version 2: the log steps are shown, and a checkpoint signed over other bytes fails at its step.
      expect(await run(v2.bundles[4]!.bundle)).toEqual({ valid: 'true', failed: '' });
      expect(await page.$$eval('li.step[data-step]', (els) => els.map((e) => e.getAttribute('data-step')))).toEqual([
        'disclosure',
        'leaf',
        'inclusion',
        'signature',
        'log',
        'checkpoint',
        'cosignature',
      ]);
      expect(await run(v2.bundles[15]!.bundle)).toEqual({ valid: 'false', failed: 'checkpoint' });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
