/**
 * Exact input, as the attack was made (issue: security, finding 5): raw bytes
 * over HTTP to a running gateway, single events and bulk feeds, on both
 * intake adapters (INTAKE_WORKERS=0: the calling thread; the default: worker
 * threads). Input JCS cannot commit as sent is refused with 400 and its code,
 * and nothing is recorded; the same values written exactly are recorded and
 * disclosed back exactly. An empty body without a content type is a 400 too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jcs, sm3, toHex, verifyBundle, type AnyProofBundle } from '@evidence/core';
import { EXAMPLE_PAYLOADS } from '@evidence/gateway';
import { baseEnv, DEV_TOKEN, startGateway, tempDir, type RunningGateway } from './support/gateway.js';

const event = { kind: 'prescription', subject: { idNumber: '110105194912310021' }, payload: { ...(EXAMPLE_PAYLOADS.prescription as object), ext: { n: 1 } } };
const text = JSON.stringify(event);
/** The event's JSON with `extra` (raw JSON text) inside the payload's ext object. */
const withExtra = (extra: string) => text.replace('"ext":{"n":1}', `"ext":{"n":1,"extra":${extra}}`);
/** As bytes, each U+0000 replaced by `insert` (bytes that are no UTF-8). */
const bytes = (s: string, insert = [0xff]) => Buffer.concat(s.split('\u0000').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from(insert), Buffer.from(part)])));
const bulkOf = (item: Buffer) => Buffer.concat([Buffer.from('{"items":['), Buffer.from(text), Buffer.from(','), item, Buffer.from(']}')]);

const ATTACKS: [string, string, Buffer][] = [
  ['a byte that is not UTF-8 inside a payload string', 'BODY_NOT_UTF8', bytes(withExtra('"a\u0000b"'))],
  ['overlong UTF-8 for "/"', 'BODY_NOT_UTF8', bytes(withExtra('"a\u0000b"'), [0xc0, 0xaf])],
  ['a UTF-8 encoded surrogate', 'BODY_NOT_UTF8', bytes(withExtra('"a\u0000b"'), [0xed, 0xa0, 0x80])],
  ['a key twice in the payload', 'JSON_DUPLICATE_KEY', Buffer.from(withExtra('{"dose":1,"dose":2}'))],
  ['a key twice, once escaped', 'JSON_DUPLICATE_KEY', Buffer.from(withExtra('{"dose":1,"d\\u006fse":2}'))],
  ['kind twice at the top', 'JSON_DUPLICATE_KEY', Buffer.from(`{"kind":"payment",${text.slice(1)}`)],
  ['an integer beyond 2^53 (rounded before)', 'JSON_NUMBER_INEXACT', Buffer.from(withExtra('123456789012345678901234567890'))],
  ['2^53 + 1', 'JSON_NUMBER_INEXACT', Buffer.from(withExtra('9007199254740993'))],
  ['a number beyond any double', 'JSON_NUMBER_INEXACT', Buffer.from(withExtra('1e400'))],
  ['a lone surrogate escape', 'JSON_LONE_SURROGATE', Buffer.from(withExtra('"\\ud800"'))],
];

async function post(gw: RunningGateway, path: string, body: Buffer | undefined, contentType: string | null = 'application/json') {
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_TOKEN}`, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(body ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const [adapter, workers] of [
  ['inline intake (INTAKE_WORKERS=0)', '0'],
  ['intake worker threads', '2'],
] as const) {
  describe(`exact input over HTTP: ${adapter}`, () => {
    const dir = tempDir('gw-exact-');
    let gw: RunningGateway;
    beforeAll(async () => {
      gw = await startGateway(baseEnv('HEXACT0001', dir.path, { ANCHOR: 'none', INTAKE_WORKERS: workers, BATCH_MAX_AGE_MS: '50' }));
    });
    afterAll(async () => {
      await gw?.close();
      dir.remove();
    });

    it.each(ATTACKS)('refuses %s with 400 %s, single and in a bulk feed, recording nothing', async (_what, code, body) => {
      const before = await gw.client.heads();
      const single = await post(gw, '/v1/evidence', body);
      expect(single).toMatchObject({ status: 400, body: { code, message: expect.any(String) } });
      const bulk = await post(gw, '/v1/evidence/batch', bulkOf(body));
      expect(bulk).toMatchObject({ status: 400, body: { code, message: expect.any(String) } });
      const after = await gw.client.heads();
      expect(after.pendingLeaves + after.closed).toBe(before.pendingLeaves + before.closed);
    });

    it('answers an empty body without a content type with 400 BAD_JSON, not 500', async () => {
      expect(await post(gw, '/v1/evidence', undefined, null)).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
      expect(await post(gw, '/v1/evidence/batch', undefined, null)).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
      expect(await post(gw, '/v1/evidence', Buffer.alloc(0))).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
    });

    it('records the same values written exactly, and discloses them back as sent', async () => {
      const extra = '{"dose":1,"big":"123456789012345678901234567890","max":9007199254740992,"n":1.50,"s":"\\ud83d\\ude00 患者"}';
      const r = await post(gw, '/v1/evidence', Buffer.from(withExtra(extra)));
      expect(r.status).toBe(202);
      const id = r.body.id as string;
      let proof: { status: number; body: AnyProofBundle & { disclosure?: { payload: unknown; salt: string } } } = { status: 0, body: {} as never };
      for (let tries = 0; tries < 100 && proof.status !== 200; tries++) {
        proof = (await gw.client.get(`/v1/evidence/${id}/proof?pending=true&disclose=true`)) as typeof proof;
        if (proof.status !== 200) await new Promise((res) => setTimeout(res, 50));
      }
      expect(proof.status).toBe(200);
      const sent = JSON.parse(withExtra(extra)) as { payload: unknown };
      expect(proof.body.disclosure!.payload).toEqual(sent.payload);
      // The commitment is to JCS of exactly what was sent.
      expect(proof.body.leaf.commitment).toBe(toHex(sm3(Buffer.from(proof.body.disclosure!.salt, 'hex'), jcs(sent.payload))));
      expect(verifyBundle(proof.body)).toMatchObject({ valid: true });
    });

    it('refuses the same on the other JSON routes (a subscription with a key twice)', async () => {
      const body = Buffer.from('{"url":"https://example.org/hook","url":"https://127.0.0.1/"}');
      expect(await post(gw, '/v1/subscriptions', body)).toMatchObject({ status: 400, body: { code: 'JSON_DUPLICATE_KEY' } });
      expect(await post(gw, '/v1/subscriptions', bytes('{"url":"https://example.org/\u0000"}'))).toMatchObject({ status: 400, body: { code: 'BODY_NOT_UTF8' } });
    });
  });
}
