import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entityId, toHex } from '@evidence/core';
import { isSingleEvent, packEventResults, packEvents, unpackEventResults, unpackEvents, type EventsMessage, type EventsReply } from './event-wire.js';
import { EXAMPLE_PAYLOADS } from '../../evidence/kinds/examples.js';
import { runJobs } from '../../evidence/prepare-jobs.js';
import type { PrepareJob } from '../../ports/intake.js';

const ctx = { gatewayId: toHex(entityId('H330100001')), subjectKey: randomBytes(32) };
const where = { prefix: 'body/', indexed: false };
const event = (over: object = {}) => JSON.stringify({ kind: 'prescription', subject: { idNumber: '110105194912310021' }, payload: EXAMPLE_PAYLOADS.prescription, ...over });

/** A body as Fastify hands it over: a view into a larger shared buffer. */
function pooled(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  const view = new Uint8Array(new ArrayBuffer(bytes.length + 64), 32, bytes.length);
  view.set(bytes);
  return view;
}

const job = (body: string | Uint8Array, client: string, receivedAt: number): PrepareJob & { body: string | Uint8Array } => ({ body, shape: { kind: 'event' }, client, receivedAt, where, offset: 0 });

describe('single events across threads', () => {
  it('carries bodies there and records back, each with its own client and receive time, a refusal in its place', () => {
    const jobs = [
      job(event({ occurredAt: 7 }), 'his', 1_700_000_000_001),
      job(pooled(event({ payload: {} })), 'lis', 1_700_000_000_002), // invalid payload: refused alone
      job(pooled(event({ subject: { idNumber: '330102198001010011' } })), 'lis', 1_700_000_000_003),
      job('{"kind":', 'his', 1_700_000_000_004), // not JSON: refused alone
      job(event({ subject: { idNumber: '患者-甲' } }), 'pacs', 1_700_000_000_005), // not ASCII: lengths are bytes, not characters
    ];
    const shared = (jobs[1]!.body as Uint8Array).buffer;
    const { message, transfer } = packEvents(9, jobs);
    expect(transfer).toHaveLength(1);
    // Through structured clone, as postMessage sends it: the bodies' buffer moves.
    const there = structuredClone(message, { transfer }) as EventsMessage;
    expect(transfer[0]!.byteLength).toBe(0);
    expect(shared.byteLength).toBe(jobs[1]!.body.length + 64); // Fastify's buffer is copied from, never moved

    const unpacked = unpackEvents(there.events);
    expect(unpacked.map((j) => Buffer.from(j.body as Uint8Array).toString('utf8'))).toEqual(jobs.map((j) => Buffer.from(j.body).toString('utf8')));
    const { results, arena } = runJobs(unpacked, ctx);
    const reply = packEventResults(there.seq, results, arena);
    const back = structuredClone(reply, { transfer: [arena] }) as EventsReply;
    expect(back.seq).toBe(9);

    const out = unpackEventResults(back, jobs, ctx.gatewayId);
    expect(out.map((r) => r.ok)).toEqual([true, false, true, false, true]);
    expect(out[1]).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID' });
    expect(out[3]).toMatchObject({ ok: false, code: 'BAD_JSON' });
    const ok = out.flatMap((r) => (r.ok ? r.prepared : []));
    expect(ok.map((p) => p.record.client)).toEqual(['his', 'lis', 'pacs']);
    expect(ok.map((p) => p.record.receivedAt)).toEqual([1_700_000_000_001, 1_700_000_000_003, 1_700_000_000_005]);
    expect(ok.map((p) => p.leaf.ts)).toEqual([7, 1_700_000_000_003, 1_700_000_000_005]);
    expect(new Set(ok.map((p) => p.record.id)).size).toBe(3);
    expect(ok.every((p) => p.record.sealedPayload!.buffer === back.arena && p.leaf.gateway === ctx.gatewayId)).toBe(true);
  });

  it('refuses an answer that does not account for every event (records and refusals must add up)', () => {
    const jobs = [job(event(), 'his', 1), job(event(), 'his', 2)];
    const { results, arena } = runJobs(unpackEvents(packEvents(1, jobs).message.events), ctx);
    const reply = packEventResults(1, results, arena);
    expect(() => unpackEventResults(reply, [...jobs, job(event(), 'his', 3)], ctx.gatewayId)).toThrow(/2 records and 0 refusals for 3 events/);
  });

  it('takes only single-event bodies: bulk bodies and parsed inputs travel as jobs', () => {
    expect(isSingleEvent(job('{}', 'his', 1))).toBe(true);
    expect(isSingleEvent({ ...job('{}', 'his', 1), shape: { kind: 'bulk', maxItems: 10 } })).toBe(false);
    expect(isSingleEvent({ inputs: [], client: 'his', receivedAt: 1, where, offset: 0 })).toBe(false);
  });
});
