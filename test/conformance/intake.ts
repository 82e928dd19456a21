import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLeaf, entityId, fromHex, jcs, kindCode, sm3, sm4, subjectPseudonym, toHex } from '@evidence/core';
import { EXAMPLE_PAYLOADS } from '../../gateway/src/evidence/kinds/examples.js';
import type { Prepared, PrepareContext, RecordInput } from '../../gateway/src/evidence/prepare.js';
import type { BodyShape, Intake, PrepareJob, PrepareResult } from '../../gateway/src/ports/intake.js';

/**
 * Every behaviour of the intake port (ports/intake.ts) the evidence service
 * relies on, run against each adapter: the records of spec section 4 from a
 * body as received or from parsed events, answers in order, a bad job refused
 * alone with the first bad item named, and the same refusal codes whichever
 * thread did the work. `open` builds a fresh adapter for `ctx`.
 */
export function describeIntakeConformance(name: string, open: (ctx: PrepareContext) => Intake): void {
  describe(`intake port conformance: ${name}`, () => {
    const ctx: PrepareContext = { gatewayId: toHex(entityId('H330100001')), subjectKey: randomBytes(32) };
    // One adapter for the suite: thread adapters start their workers once.
    let shared: Intake | undefined;
    afterAll(async () => {
      await shared?.close();
    });
    const intake = () => (shared ??= open(ctx));

    const event = (n: number, over: Partial<RecordInput> = {}): RecordInput => ({
      kind: 'prescription',
      subject: { idNumber: `1101051949123100${String(n % 100).padStart(2, '0')}` },
      payload: { ...(EXAMPLE_PAYLOADS.prescription as object), ext: { n } },
      ...over,
    });
    const bodyJob = (body: string | Uint8Array, shape: BodyShape, receivedAt = 1_700_000_000_000): PrepareJob => ({
      body,
      shape,
      client: 'his',
      receivedAt,
      where: shape.kind === 'bulk' ? { prefix: 'body/items/', indexed: true } : { prefix: 'body/', indexed: false },
      offset: 0,
    });
    const inputsJob = (inputs: RecordInput[]): PrepareJob => ({ inputs, client: 'his', receivedAt: 1_700_000_000_000, where: { prefix: 'items/', indexed: true }, offset: 0 });
    const bulk = (items: unknown[]) => Buffer.from(JSON.stringify({ items }));

    /** The record is what spec section 4 says for `input`: leaf fields, commitment, and a payload that opens to JCS(payload). */
    function expectRecordOf(p: Prepared, input: RecordInput, receivedAt: number): void {
      const leaf = decodeLeaf(p.record.leaf);
      expect(leaf).toEqual(p.leaf);
      expect(leaf.kind).toBe(kindCode(input.kind));
      expect(leaf.gateway).toBe(ctx.gatewayId);
      const idNumber = (input.subject as { idNumber: string }).idNumber.trim().toUpperCase();
      expect(leaf.subject).toBe(toHex(subjectPseudonym(ctx.subjectKey, idNumber)));
      expect(leaf.ts).toBe(input.occurredAt ?? receivedAt);
      expect(p.record.id).toBe(leaf.id);
      expect(p.record.client).toBe('his');
      const plain = sm4.decryptPayload(p.record.sealedPayload!, p.dataKey);
      expect(Buffer.from(plain).toString('utf8')).toBe(new TextDecoder().decode(jcs(input.payload)));
      expect(leaf.commitment).toBe(toHex(sm3(p.record.salt!, plain)));
    }

    const refusal = (r: PrepareResult | undefined) => {
      expect(r?.ok).toBe(false);
      return r as Extract<PrepareResult, { ok: false }>;
    };
    const records = (r: PrepareResult | undefined) => {
      expect(r, r && !r.ok ? `${r.code}: ${r.message}` : '').toMatchObject({ ok: true });
      return (r as Extract<PrepareResult, { ok: true }>).prepared;
    };

    it('prepares one event from its body as received (bytes or text) into the records of spec section 4', async () => {
      const input = event(1, { occurredAt: 1_699_999_999_000 });
      const [fromBytes, fromText] = await intake().prepare([bodyJob(Buffer.from(JSON.stringify(input)), { kind: 'event' }), bodyJob(JSON.stringify(input), { kind: 'event' })]);
      for (const r of [fromBytes, fromText]) {
        const prepared = records(r);
        expect(prepared).toHaveLength(1);
        expectRecordOf(prepared[0]!, input, 1_700_000_000_000);
      }
      // Fresh salt, key and id per record: the same event twice is two records.
      expect(records(fromBytes)[0]!.record.id).not.toBe(records(fromText)[0]!.record.id);
    });

    it('prepares a bulk body in item order, and refuses it whole naming the first bad item', async () => {
      const items = Array.from({ length: 150 }, (_, i) => event(i));
      const [good] = await intake().prepare([bodyJob(bulk(items), { kind: 'bulk', maxItems: 1000 })]);
      const prepared = records(good);
      expect(prepared).toHaveLength(150);
      prepared.forEach((p, i) => expectRecordOf(p, items[i]!, 1_700_000_000_000));

      const bad = [...items];
      bad[97] = event(97, { payload: { not: 'a prescription' } });
      bad[120] = event(120, { payload: { not: 'one either' } });
      const [refused] = await intake().prepare([bodyJob(bulk(bad), { kind: 'bulk', maxItems: 1000 })]);
      expect(refusal(refused)).toMatchObject({ code: 'PAYLOAD_INVALID', message: expect.stringMatching(/^body\/items\/97\//) });
    });

    it('prepares parsed events (in-process callers) in order, large runs too, naming the first bad item', async () => {
      const inputs = Array.from({ length: 200 }, (_, i) => event(i));
      const prepared = records((await intake().prepare([inputsJob(inputs)]))[0]);
      expect(prepared.map((p) => p.leaf.subject)).toEqual(inputs.map((i) => toHex(subjectPseudonym(ctx.subjectKey, (i.subject as { idNumber: string }).idNumber))));
      prepared.forEach((p, i) => expectRecordOf(p, inputs[i]!, 1_700_000_000_000));
      const bad = [...inputs];
      bad[180] = event(180, { occurredAt: -1 });
      bad[190] = event(190, { kind: 'nope' });
      const r = refusal((await intake().prepare([inputsJob(bad)]))[0]);
      expect(r).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^items\/180\/occurredAt/) });
    });

    it('answers several jobs each on its own and in order: a bad one is refused alone', async () => {
      const jobs = [
        bodyJob(Buffer.from(JSON.stringify(event(1))), { kind: 'event' }),
        bodyJob(Buffer.from('{"kind":'), { kind: 'event' }),
        bodyJob(Buffer.from(JSON.stringify({ ...event(3), extra: true })), { kind: 'event' }),
        inputsJob([event(4)]),
      ];
      const [a, b, c, d] = await intake().prepare(jobs);
      expectRecordOf(records(a)[0]!, event(1), 1_700_000_000_000);
      expect(refusal(b).code).toBe('BAD_JSON');
      expect(refusal(c)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^body/) });
      expectRecordOf(records(d)[0]!, event(4), 1_700_000_000_000);
    });

    it('answers many single events arriving together, each with its own records or refusal', async () => {
      const i = intake();
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, n) => i.prepare([bodyJob(n % 7 === 3 ? Buffer.from('[]') : Buffer.from(JSON.stringify(event(n))), { kind: 'event' }, 1_700_000_000_000 + n)])),
      );
      answers.forEach(([r], n) => {
        if (n % 7 === 3) expect(refusal(r).code).toBe('VALIDATION_FAILED');
        else expectRecordOf(records(r)[0]!, event(n), 1_700_000_000_000 + n);
      });
    });

    it('refuses bodies that are not JSON, or empty, with BAD_JSON, and bodies of the wrong shape with VALIDATION_FAILED', async () => {
      const [notJson, empty, wrongShape, poisoned] = await intake().prepare([
        bodyJob(Buffer.from('{"kind": "prescription",'), { kind: 'event' }),
        bodyJob(Buffer.alloc(0), { kind: 'event' }),
        bodyJob(bulk([]), { kind: 'bulk', maxItems: 10 }),
        bodyJob(Buffer.from(`{"items":[${JSON.stringify(event(1)).slice(0, -1)},"__proto__":{"x":1}}]}`), { kind: 'bulk', maxItems: 10 }),
      ]);
      expect(refusal(notJson).code).toBe('BAD_JSON');
      expect(refusal(empty).code).toBe('BAD_JSON');
      expect(refusal(wrongShape)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^body\/items/) });
      expect(refusal(poisoned).code).toBe('BAD_JSON');
    });

    it('refuses what JCS cannot commit as sent, single and bulk, each with its code: bad UTF-8, duplicate keys, inexact numbers, lone surrogates', async () => {
      const one = JSON.stringify(event(1));
      // Extras of a payload go in its "ext" object.
      const withExt = (extra: string) => one.replace('"ext":{"n":1}', `"ext":{"n":1,"extra":${extra}}`);
      const cases: [string, Buffer][] = [
        // One byte 0xFF inside a string of an otherwise UTF-8 body.
        ['BODY_NOT_UTF8', Buffer.concat(withExt('"a#"').split('#').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xff]), Buffer.from(part)])))],
        ['JSON_DUPLICATE_KEY', Buffer.from(withExt('{"dose":1,"dose":2}'))],
        ['JSON_NUMBER_INEXACT', Buffer.from(withExt('123456789012345678901234567890'))],
        ['JSON_LONE_SURROGATE', Buffer.from(withExt('"\\ud800"'))],
      ];
      for (const [code, single] of cases) {
        const text = single.toString('latin1');
        const bulkBody = Buffer.concat([Buffer.from('{"items":['), Buffer.from(one), Buffer.from(','), single, Buffer.from(']}')]);
        const [a, b] = await intake().prepare([bodyJob(single, { kind: 'event' }), bodyJob(bulkBody, { kind: 'bulk', maxItems: 10 })]);
        expect(refusal(a).code, `single ${text}`).toBe(code);
        expect(refusal(b).code, `bulk ${text}`).toBe(code);
      }
      // The same values, written so a double holds them, are recorded.
      const [fine] = await intake().prepare([bodyJob(Buffer.from(withExt('{"dose":1,"big":"123456789012345678901234567890","n":1.50,"s":"\\ud83d\\ude00"}')), { kind: 'event' })]);
      expect(records(fine)).toHaveLength(1);
    });

    it('keys and salts are fresh per record and never the subject key', async () => {
      const prepared = records((await intake().prepare([inputsJob([event(1), event(1)])]))[0]);
      const [a, b] = prepared;
      expect(toHex(a!.dataKey)).not.toBe(toHex(b!.dataKey));
      expect(toHex(a!.record.salt!)).not.toBe(toHex(b!.record.salt!));
      expect(toHex(a!.dataKey)).not.toBe(toHex(ctx.subjectKey.subarray(0, 16)));
      expect(fromHex(a!.leaf.commitment, 32)).not.toEqual(fromHex(b!.leaf.commitment, 32));
    });
  });
}
