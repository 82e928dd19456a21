/**
 * The offline verification page, driven in headless Chromium as a court's
 * expert would use it: opened from disk (file://, no server, no network), a
 * bundle pasted, "Verify" clicked, each step of spec sections 8 and 12 read
 * off the page; for version 2, the log position, checkpoint and cosignatures
 * shown, and a witness policy file chosen beside the bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityId, generateSm2KeyPair, hopHash, maskPersonalData, signHeader, signHop, toHex, ZERO32, type Hop } from '@evidence/core';
import { anchoredFixture, type AnchoredFixture } from '../support/anchored-bundle.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { vectors } from '../support/vectors.js';
import { failsAtMatches, v2 } from '../spec/v2-vectors.js';
import { pdfFacts } from '../cli/pdf-text.js';
import { anchoredV2Bundle } from '../cli/anchored-v2.js';

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
      // Personal data (ID number, phone) is masked on screen unless the clerk asks otherwise.
      expect(JSON.parse((await page.textContent('#payload')) ?? 'null')).toEqual(maskPersonalData(bundle.disclosure.payload));
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


  describe('trust levels, plain Chinese, input limits and the certificate', () => {
    const vector = vectors.bundles.find((b) => b.valid && b.bundle.disclosure)!.bundle;
    const trustPolicy = {
      format: 'evidence-trust/1',
      issuer: '测试监管机构',
      institutions: [{ code: 'H330100001', name: '测试互联网医院', gateway: vector.batch.gateway, keys: [{ publicKey: vector.signature.publicKey, fromSeq: 0, toSeq: null }] }],
    };
    const impostor = generateSm2KeyPair();
    const forged = { ...vector, signature: { alg: 'sm2', publicKey: impostor.publicKey, value: toHex(signHeader(vector.batch, impostor.privateKey)) } };
    const levels = () => page.$$eval('#levels li', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-level'), e.getAttribute('data-status')])));

    async function applyPolicy(name: string, policy: unknown): Promise<string> {
      await page.setInputFiles('#policy-file', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(policy)) });
      await page.locator(`#policy-status[data-file="${name}"]`).waitFor();
      return (await page.getAttribute('#policy-status', 'data-state')) ?? '';
    }
    async function clearPolicy(): Promise<void> {
      if (await page.isVisible('#policy-clear')) await page.click('#policy-clear');
    }
    async function checkOnlineWithoutTyping(): Promise<string> {
      await page.fill('#rpc', '');
      await page.fill('#contract', '');
      await page.$eval('#online-result', (e) => e.removeAttribute('data-anchored'));
      await page.click('#check-online');
      await page.locator('#online-result[data-anchored]').waitFor();
      return (await page.getAttribute('#online-result', 'data-anchored')) ?? '';
    }

    it("a forged-key bundle without a trust policy: shown intact, and plainly not checked to be the institution's", async () => {
      const r = await verify(forged);
      expect(r.valid).toBe('true');
      expect(await levels()).toEqual({ intact: 'passed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' });
      const verdict = (await page.textContent('#verdict')) ?? '';
      expect(verdict).toContain('内容完整 INTACT · 密钥未核验 keys not checked');
      expect(verdict).not.toContain('有效 VALID');
      expect(await page.textContent('#keys-note')).toContain('未核验签名密钥是否属于该机构');
    });

    it('with the trust policy the forged bundle is refused at level 2 (trust), with its meaning and next step; the real one passes, its institution, kind and times in Chinese', async () => {
      try {
        expect(await applyPolicy('trust.json', trustPolicy)).toBe('loaded');
        expect(await verify(forged)).toMatchObject({ valid: 'false', failedStep: 'trust' });
        expect(await levels()).toMatchObject({ intact: 'passed', keys: 'failed' });
        expect(await page.textContent('#meaning')).toContain('签名密钥不是该机构登记的密钥，可能是伪造的证明包');
        expect(await page.textContent('#next-step')).toContain('申请司法鉴定');

        expect((await verify(vector)).valid).toBe('true');
        expect(await levels()).toMatchObject({ intact: 'passed', keys: 'passed', anchored: 'not-checked' });
        expect(await page.textContent('#fact-institution')).toBe('测试互联网医院 H330100001');
        expect(await page.textContent('#fact-kind')).toContain('挂号 registration · 依据 《互联网诊疗管理办法（试行）》');
        expect(await page.textContent('#fact-time')).toMatch(/^2025-11-22 \d\d:\d\d:\d\d\.\d{3} \+08:00（北京时间 Beijing time）$/);
        expect(await page.getAttribute('#fact-anchor', 'data-chain-flag')).toBe('development');
        expect(await page.textContent('#fact-anchor')).toContain('开发测试链');
        expect(await page.textContent('#payload')).toContain('3301**********1234');
        expect(await page.textContent('#payload')).not.toContain('330106199001011234');
      } finally {
        await clearPolicy();
      }
    });

    it('a failed step is said in plain Chinese with what to do next', async () => {
      const tampered = vectors.bundles.find((b) => !b.valid && b.failsAt === 'disclosure')!;
      expect((await verify(tampered.bundle)).failedStep).toBe('disclosure');
      expect(await page.textContent('#meaning')).toContain('披露的内容与存证时不一致，可能被改动');
      expect(await page.textContent('#next-step')).toContain('联系出具机构');
    });

    it('traces are verified with their request and response: a changed response or request body fails at digest; hop types in Chinese, each with its time', async () => {
      const { trace } = vectors;
      const full = { hops: trace.hops, nodes: trace.nodes, request: trace.request, response: trace.response };
      expect((await verify(full)).valid).toBe('true');
      const hops = await page.$$eval('li.step[data-hop]', (els) => els.map((e) => e.textContent ?? ''));
      expect(hops).toHaveLength(5);
      expect(hops[0]).toContain('第 0 跳 hop 0 · 发起 origin · H330100001');
      expect(hops[1]).toContain('转发 forward · RN-HZ-01');
      expect(hops[3]).toContain('送达 deliver');
      expect(hops[4]).toContain('应答 response');
      for (const h of hops) expect(h).toMatch(/时间 Time 2025-11-22 \d\d:\d\d:\d\d\.\d{3} \+08:00（北京时间 Beijing time）/);

      expect(await verify({ ...full, response: { ...trace.response, body: { entries: 4 } } })).toMatchObject({ valid: 'false', failedStep: 'digest' });
      expect(await page.textContent('#verdict')).toContain('hop 4: digest');
      expect(await page.textContent('#meaning')).toContain('请求或应答内容与签名时不一致，可能被改动');
      const body = trace.request.body as Record<string, unknown>;
      expect(await verify({ ...full, request: { ...trace.request, body: { ...body, scope: ['Observation', 'Condition'] } } })).toMatchObject({ valid: 'false', failedStep: 'digest' });
      expect(await page.textContent('#verdict')).toContain('hop 0: digest');
    });

    it('a trace re-signed throughout with new keys under the real ids: intact without a policy, refused at trust with one', async () => {
      const { trace } = vectors;
      const attacker = new Map(trace.nodes.map((n) => [n.id, generateSm2KeyPair()]));
      const hops: Hop[] = [];
      let prev = toHex(ZERO32);
      for (const h of trace.hops) {
        const k = attacker.get(h.node)!;
        const hop = signHop({ v: h.v, type: h.type, requestId: h.requestId, index: h.index, node: h.node, next: h.next, ts: h.ts, digest: h.digest, prev }, k.privateKey, k.publicKey);
        hops.push(hop);
        prev = toHex(hopHash(hop));
      }
      const resigned = { hops, nodes: trace.nodes.map((n) => ({ ...n, publicKey: attacker.get(n.id)!.publicKey })), request: trace.request, response: trace.response };
      expect((await verify(resigned)).valid).toBe('true');
      expect(await levels()).toEqual({ intact: 'passed', keys: 'not-checked' });
      const institutions = trace.nodes.filter((n) => n.code!.startsWith('H'));
      const routers = trace.nodes.filter((n) => !n.code!.startsWith('H'));
      const policy = {
        format: 'evidence-trust/1',
        institutions: institutions.map((n) => ({ code: n.code, name: `${n.code} 医院`, gateway: n.id, keys: [{ publicKey: n.publicKey, fromSeq: 0, toSeq: null }] })),
        nodes: routers.map((n) => ({ code: n.code, name: `${n.code} 节点`, id: n.id, keys: [{ publicKey: n.publicKey, fromTime: 0 }] })),
      };
      expect(institutions.map((n) => toHex(entityId(n.code!)))).toEqual(institutions.map((n) => n.id));
      try {
        expect(await applyPolicy('trace-trust.json', policy)).toBe('loaded');
        expect(await verify(resigned)).toMatchObject({ valid: 'false', failedStep: 'trust' });
        expect(await levels()).toEqual({ intact: 'passed', keys: 'failed' });
        expect(await verify({ hops: trace.hops, nodes: trace.nodes, request: trace.request, response: trace.response })).toMatchObject({ valid: 'true' });
        expect(await levels()).toEqual({ intact: 'passed', keys: 'passed' });
      } finally {
        await clearPolicy();
      }
    });

    it('核验锚定 with no chain address is "not checked", never "not anchored"; a Fabric anchor names the CLI command', async () => {
      expect((await verify(vector)).valid).toBe('true');
      expect(await checkOnlineWithoutTyping()).toBe('not-checked');
      const said = (await page.textContent('#online-result')) ?? '';
      expect(said).toContain('未核验 not checked');
      expect(said).not.toContain('not anchored');
      expect(await levels()).toMatchObject({ anchored: 'not-checked' });

      const onFabric = { ...vector, anchor: { chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: 'ab'.repeat(32) } };
      expect((await verify(onFabric)).valid).toBe('true');
      expect(await checkOnlineWithoutTyping()).toBe('not-checked');
      const fabric = (await page.textContent('#online-result')) ?? '';
      expect(fabric).toContain('无法连接 Fabric 节点');
      expect(fabric).toContain('evidence verify BUNDLE.json --trust POLICY.json');
    });

    it('refuses a 50 MB file before reading it, and never puts it in the textarea', async () => {
      const big = join(mkdtempSync(join(tmpdir(), 'verifier-big-')), 'big.json');
      writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 0x20));
      await page.setInputFiles('#file', big);
      await page.locator('#verdict[data-failed-step="too-large"]').waitFor({ timeout: 5_000 });
      expect(await page.textContent('#verdict')).toContain('超过 5 MB 上限，未读取');
      expect(await page.inputValue('#input')).toBe('');
      await page.setInputFiles('#file', []);
    });

    it('the printout is the 存证核验报告 alone: one A4 page naming the institution and the verdict in Chinese, the ID number masked unless asked', async () => {
      try {
        expect(await applyPolicy('trust.json', trustPolicy)).toBe('loaded');
        expect((await verify(vector)).valid).toBe('true');
        await page.locator('#report #certificate').waitFor({ state: 'attached' });
        expect(await page.isVisible('#print')).toBe(true);
        await page.emulateMedia({ media: 'print' });
        for (const hidden of ['#input', '#verify', '#policy', '#print', '#result']) expect(await page.isVisible(hidden), hidden).toBe(false);
        expect(await page.isVisible('#report #certificate')).toBe(true);
        const pdf = await pdfFacts(await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true }));
        expect(pdf.pages).toBe(1);
        expect(pdf.width).toBeCloseTo(595.3, 0);
        expect(pdf.height).toBeCloseTo(841.9, 0);
        const text = pdf.text.replace(/\s+/g, '');
        for (const expected of ['存证核验报告', '测试互联网医院', '有效VALID', '挂号', '3301**********1234', '138****0000']) expect(text).toContain(expected);
        expect(text).not.toContain('330106199001011234');
        await page.emulateMedia({ media: 'screen' });
        await page.check('#unmask');
        await page.locator('#certificate-payload', { hasText: '330106199001011234' }).waitFor({ state: 'attached' });
        expect(await page.textContent('#payload')).toContain('330106199001011234');
      } finally {
        await page.emulateMedia({ media: 'screen' });
        await page.uncheck('#unmask');
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

    it('a valid bundle with a trust policy naming the chain: all three levels, with no typing', async () => {
      const policy = {
        format: 'evidence-trust/1',
        chains: { evm: { rpcUrl: f.chain.rpcUrl, chainId: f.chain.chainId, contract: f.deployment.contracts.EvidenceAnchor } },
        institutions: [{ code: 'H330100001', name: '测试互联网医院', gateway: f.bundle.batch.gateway, keys: [{ publicKey: f.gatewayKey.publicKey, fromSeq: 0, toSeq: null }] }],
      };
      await page.fill('#rpc', '');
      await page.fill('#contract', '');
      await page.setInputFiles('#policy-file', { name: 'chain-trust.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(policy)) });
      await page.locator('#policy-status[data-file="chain-trust.json"][data-state="loaded"]').waitFor();
      try {
        expect((await verify(f.bundle)).valid).toBe('true');
        await page.locator('#online-result[data-anchored]').waitFor();
        expect(await page.getAttribute('#online-result', 'data-anchored')).toBe('true');
        expect(await page.$$eval('#levels li', (els) => els.map((e) => [e.getAttribute('data-level'), e.getAttribute('data-status')]))).toEqual([
          ['intact', 'passed'],
          ['keys', 'passed'],
          ['anchored', 'passed'],
          ['witnesses', 'not-checked'],
        ]);
        expect(await page.textContent('#verdict strong')).toBe('✓ 有效 VALID');
        expect(await page.textContent('#meaning')).toContain('签名密钥为该机构登记的密钥，且已在链上锚定');
        await page.$eval('#online-result', (e) => e.removeAttribute('data-anchored'));
      } finally {
        await page.click('#policy-clear');
      }
    });

    it('a v2 bundle anchored at a checkpoint and cosigned by the policy\'s witnesses: intact, keys, anchored and witnessed, with the block time', async () => {
      const v2b = await anchoredV2Bundle(f.chain.rpcUrl, f.deployment.contracts.EvidenceAnchor, 'H330100009', 8);
      const policy = {
        format: 'evidence-trust/1',
        chains: { evm: { rpcUrl: f.chain.rpcUrl, chainId: f.chain.chainId, contract: f.deployment.contracts.EvidenceAnchor } },
        institutions: [{ code: 'H330100009', name: '丙互联网医院', gateway: v2b.gateway.id, keys: [{ publicKey: v2b.gateway.publicKey, fromSeq: 0, toSeq: null }] }],
        witnesses: { quorum: 2, witnesses: v2b.witnesses },
      };
      await page.fill('#rpc', '');
      await page.fill('#contract', '');
      await page.setInputFiles('#policy-file', { name: 'v2-trust.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(policy)) });
      await page.locator('#policy-status[data-file="v2-trust.json"][data-state="loaded"]').waitFor();
      try {
        expect((await verify(v2b.bundle)).valid).toBe('true');
        await page.locator('#online-result[data-anchored]').waitFor();
        expect(await page.getAttribute('#online-result', 'data-anchored')).toBe('true');
        expect(await page.textContent('#online-result')).toMatch(/上链时间 block time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+08:00（北京时间）/);
        expect(await page.$$eval('#levels li', (els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['passed', 'passed', 'passed', 'passed']);
        expect(await page.textContent('#fact-institution')).toBe('丙互联网医院 H330100009');
        await page.$eval('#online-result', (e) => e.removeAttribute('data-anchored'));
      } finally {
        await page.click('#policy-clear');
      }
    });

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
