import { writeFile } from 'node:fs/promises';
import QRCode from 'qrcode';
import { certificateDocument, qrText, sm3Hex, VERIFIER_VERSION, type BundleVerification } from '../index.js';
import { CHAIN_FLAGS } from './anchors.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { usablePolicySetup } from './trust-file.js';
import { verifySetup } from './verify.js';
import { checkBundle, type Checked } from './verify-one.js';

/**
 * `evidence certificate FILE -o report.pdf|report.html [--trust POLICY] [--rpc URL ...] [--unmask]`
 *
 * The 存证核验报告: one A4 page a clerk can file. The report is HTML (the
 * same fragment the verification page prints); a .pdf is that HTML printed
 * by Chromium (playwright-core), so the page's "save as PDF" and the CLI's
 * PDF are one layout, with the browser's own CJK text shaping and font
 * fallback. The exit code is verify's: the report is written for an invalid
 * bundle too (saying why), not for a file that could not be read.
 */
export async function certificateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const valued = ['witnesses', 'trust', 'o', 'out', 'reverify', ...CHAIN_FLAGS];
  const args = parseArgs(
    argv.map((a) => (a === '-o' ? '--o' : a)),
    valued,
  );
  allowOnly(args, ['offline', 'unmask', ...valued]);
  if (args.positionals.length !== 1) throw new UsageError('certificate needs exactly one FILE');
  const file = args.positionals[0]!;
  const out = stringFlag(args, 'o') ?? stringFlag(args, 'out');
  if (!out || !/\.(pdf|html?)$/i.test(out)) throw new UsageError('certificate needs -o REPORT.pdf or -o REPORT.html');

  const setup = await usablePolicySetup(io, () => verifySetup(io, args));
  if (!setup) return 2;
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (e) {
    io.stderr(`无法读取 cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}（未生成报告 no report written）`);
    return 2;
  }
  let checked: Checked;
  try {
    let input: unknown;
    try {
      input = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    } catch (e) {
      const offline: BundleVerification = { valid: false, failedStep: 'format', message: `not UTF-8 JSON: ${(e as Error).message}`, steps: [] };
      checked = { offline, bundle: null, verdict: { valid: false, failedStep: 'format', levels: { intact: 'failed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' } } };
      input = undefined;
    }
    if (input !== undefined) checked = await checkBundle(input, { witnesses: setup.witnesses, trust: setup.trust?.policy, anchors: setup.anchors });
  } finally {
    await setup.anchors?.close();
  }
  const fileSm3 = sm3Hex(bytes);
  const trustArg = stringFlag(args, 'trust');
  const reverify = stringFlag(args, 'reverify') ?? `evidence verify ${basename(file)}${trustArg ? ` --trust ${basename(trustArg)}` : ''}`;
  const html = certificateDocument({
    bundle: checked!.bundle,
    fileSm3,
    fileName: basename(file),
    offline: checked!.offline,
    verdict: checked!.verdict,
    keys: checked!.keys,
    online: checked!.online,
    policy: setup.trust?.policy ?? null,
    verifiedAt: Date.now(),
    verifier: VERIFIER_VERSION,
    reverify,
    qrSvg: await QRCode.toString(qrText(fileSm3, reverify), { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }),
    unmask: args.flags.has('unmask'),
  });
  if (/\.pdf$/i.test(out)) await writeFile(out, await printPdf(html));
  else await writeFile(out, html);
  const verdict = checked!.verdict;
  io.stdout(`存证核验报告已写入 evidence certificate written to ${out}: ${verdict.valid ? (verdict.levels.keys === 'passed' ? '有效 VALID' : '内容完整 INTACT · 密钥未核验 keys not checked') : `无效 INVALID (${verdict.failedStep})`} · SM3 ${fileSm3}`);
  return verdict.valid ? 0 : 1;
}

const basename = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Chromium, through playwright-core (loaded only for a PDF), prints the report on one A4 page. */
async function printPdf(html: string): Promise<Uint8Array> {
  const specifier = 'playwright-core';
  let chromium: { launch(o: object): Promise<{ newPage(): Promise<PdfPage>; close(): Promise<void> }> };
  try {
    ({ chromium } = (await import(specifier)) as { chromium: typeof chromium });
  } catch (e) {
    throw new UsageError(`a PDF needs playwright-core and Chromium (${(e as Error).message}); write -o REPORT.html instead and print it from a browser`);
  }
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  } catch (e) {
    throw new UsageError(`cannot start Chromium at ${executablePath} (set CHROMIUM_PATH): ${(e as Error).message.split('\n')[0]}; write -o REPORT.html instead`);
  }
  try {
    const page = await browser.newPage();
    // The report is self-contained: no request leaves the process while it is printed.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}

interface PdfPage {
  route(pattern: string, handler: (route: { request(): { url(): string }; continue(): Promise<void>; abort(): Promise<void> }) => Promise<void>): Promise<void>;
  setContent(html: string, o: { waitUntil: 'load' }): Promise<void>;
  pdf(o: { format: 'A4'; printBackground: boolean; preferCSSPageSize: boolean }): Promise<Uint8Array>;
}
