import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entityId, toHex } from '@evidence/core';
import { EXAMPLE_PAYLOADS } from '../../evidence/kinds/examples.js';
import { fillRun, type PrepareContext, type RecordInput } from '../../evidence/prepare.js';
import { validateRun } from '../../evidence/validate.js';
import { packRun, unpackRun } from './prepared-wire.js';

const ctx = { gatewayId: toHex(entityId('H330100001')), subjectKey: randomBytes(32) };
const inputs: RecordInput[] = [
  { kind: 'prescription', subject: { idNumber: '110105194912310021' }, payload: EXAMPLE_PAYLOADS.prescription, occurredAt: 5 },
  { kind: 'consent', subject: { pseudonym: 'ab'.repeat(32) }, payload: EXAMPLE_PAYLOADS.consent, idempotencyKey: 'visit-7/consent' },
  { kind: 'payment', subject: { idNumber: '330102198001010011' }, payload: EXAMPLE_PAYLOADS.payment },
];

describe('prepared records across threads', () => {
  it('unpack(pack(run)) gives back the same records, byte fields still viewing the arena, idempotency keys included', () => {
    const { prepared, arena } = prepareRun(inputs, ctx, 'his', 1_700_000_000_000);
    const expected = structuredClone(prepared); // a copy: the transfer below detaches the arena
    // Through structured clone, as postMessage sends it (the arena transferred).
    const packed = structuredClone({ run: packRun(prepared, arena), arena }, { transfer: [arena] });
    const back = unpackRun(packed.run, packed.arena, { client: 'his', receivedAt: 1_700_000_000_000, gatewayId: ctx.gatewayId });
    expect(back).toEqual(expected);
    expect(arena.byteLength).toBe(0); // moved, not copied
    expect(back.every((p) => p.record.sealedPayload!.buffer === packed.arena && p.dataKey.buffer === packed.arena)).toBe(true);
    expect(back[1]!.record.idempotencyKey).toBe('visit-7/consent');
    expect(back[0]!.record.idempotencyKey).toBeUndefined();
  });

  it('refuses to pack a record whose bytes live outside the arena (they would not travel)', () => {
    const { prepared, arena } = prepareRun(inputs, ctx, 'his', 1);
    prepared[2]!.record.salt = new Uint8Array(32);
    expect(() => packRun(prepared, arena)).toThrow(/does not view the arena/);
  });
});

/** The records of a run and the one buffer all their byte fields view, as a worker holds them before packing. */
function prepareRun(inputs: RecordInput[], ctx: PrepareContext, client: string, receivedAt: number) {
  const run = validateRun(inputs, ctx, receivedAt, () => 'body/');
  const arena = new ArrayBuffer(run.bytes);
  return { prepared: fillRun(run, ctx, client, receivedAt, arena, 0), arena };
}
