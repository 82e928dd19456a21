import { describe, expect, it } from 'vitest';
import type { AnyProofBundle } from '../bundle/types.js';
import { certificateDocument, qrText, type CertificateInput } from './certificate.js';
import { parseTrustPolicy, TRUST_FORMAT } from './policy.js';
import { generateSm2KeyPair } from '../sm2/sm2.js';

const gateway = 'aa'.repeat(32);
const key = generateSm2KeyPair().publicKey;

/** A bundle as the certificate reads it; every string in it is attacker-controlled. */
const bundle = {
  format: 'evidence-proof/1',
  leaf: { v: 1, kind: 5, id: '0f'.repeat(16), gateway, subject: 'ab'.repeat(32), ts: 1_763_800_000_000, commitment: '00'.repeat(32) },
  disclosure: { payload: { note: '<img src=x onerror=alert(1)>', idNumber: '330106199001011234' }, salt: '00'.repeat(32) },
  inclusion: { index: 0, size: 1, path: [] },
  batch: { v: 1, gateway, seq: 3, alg: 'sm3', size: 1, root: '11'.repeat(32), prev: '00'.repeat(32), closedAt: 1_763_800_100_000 },
  signature: { alg: 'sm2', publicKey: key, value: '22'.repeat(64) },
  anchor: { chain: 'fabric', channel: '<script>x</script>', chaincode: 'anchor', txId: 'tx' },
} as unknown as AnyProofBundle;

const input = (over: Partial<CertificateInput> = {}): CertificateInput => ({
  bundle,
  fileSm3: '33'.repeat(32),
  fileName: 'bundle.json',
  offline: { valid: true, steps: [{ step: 'signature', status: 'passed', message: 'ok' }], leafHash: '', headerHash: '' },
  verdict: { valid: true, failedStep: null, levels: { intact: 'passed', keys: 'passed', anchored: 'not-checked', witnesses: 'not-checked' } },
  policy: parseTrustPolicy({ format: TRUST_FORMAT, institutions: [{ code: 'H330100001', name: '某某互联网医院', gateway, keys: [{ publicKey: key, fromSeq: 0, toSeq: null }] }] }),
  verifiedAt: 1_765_000_000_000,
  verifier: 'evidence test',
  reverify: 'evidence verify bundle.json --trust trust.json',
  qrSvg: '<svg id="qr"></svg>',
  ...over,
});

describe('the 存证核验报告', () => {
  it('states the verdict, institution, kind, times in Beijing time, the file SM3 and the QR code', () => {
    const html = certificateDocument(input());
    for (const expected of ['存证核验报告', '✓ 有效 VALID', '某某互联网医院 · H330100001', '5 电子处方 prescription', '2025-11-22 16:26:40.000 +08:00', '33'.repeat(32), '<svg id="qr"></svg>', '2025-12-06 13:46:40.000 +08:00']) {
      expect(html).toContain(expected);
    }
    expect(qrText('33'.repeat(32), 'evidence verify x')).toBe(`SM3:${'33'.repeat(32)}\nevidence verify x`);
  });

  it('escapes every string from the bundle, and masks personal data unless asked', () => {
    const html = certificateDocument(input());
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&#60;img');
    expect(html).toContain('3301**********1234');
    expect(html).not.toContain('330106199001011234');
    expect(certificateDocument(input({ unmask: true }))).toContain('330106199001011234');
  });

  it('says plainly when the keys were not checked, and why an invalid bundle is invalid', () => {
    const partial = certificateDocument(input({ policy: null, verdict: { valid: true, failedStep: null, levels: { intact: 'passed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' } } }));
    expect(partial).toContain('内容完整 INTACT · 密钥未核验 keys not checked');
    expect(partial).toContain('未核验签名密钥是否属于该机构');
    const refused = certificateDocument(input({ verdict: { valid: false, failedStep: 'trust', levels: { intact: 'passed', keys: 'failed', anchored: 'not-checked', witnesses: 'not-checked' } } }));
    expect(refused).toContain('✗ 无效 INVALID（trust）');
    expect(refused).toContain('申请司法鉴定');
  });
});
