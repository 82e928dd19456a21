import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The forwarding protocol between gateways and routing nodes (HTTP, JSON):
 *
 *   gateway A --POST /v1/forward--> node --POST /v1/forward--> node --POST /v1/deliver--> gateway B
 *
 * Every request carries the destination, the request as B's service will
 * receive it, the signed hops so far and the time budget left. The answer
 * is B's response with the whole trace (origin ... deliver, response), or a
 * coded refusal `{ code, message, by, hop?, check?, node? }`.
 */

const hex = (bytes: number) => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$` });

export const HopSchema = Type.Object(
  {
    v: Type.Integer(),
    type: Type.Integer(),
    requestId: hex(16),
    index: Type.Integer({ minimum: 0, maximum: 65535 }),
    node: hex(32),
    next: hex(32),
    ts: Type.Integer({ minimum: 0 }),
    digest: hex(32),
    prev: hex(32),
    signature: hex(64),
  },
  { additionalProperties: false },
);

/** Hard ceiling on any chain on the wire; each receiver applies its own, lower hop limit. */
export const MAX_WIRE_HOPS = 64;

export const HopsSchema = Type.Array(HopSchema, { minItems: 1, maxItems: MAX_WIRE_HOPS });

export const DestinationSchema = Type.Object(
  {
    institution: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    service: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
  },
  { additionalProperties: false },
);

export const RequestSchema = Type.Object(
  {
    method: Type.String({ pattern: '^[A-Z]{1,16}$' }),
    path: Type.String({ pattern: '^/', maxLength: 4096 }),
    body: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const ForwardRequestSchema = Type.Object(
  {
    destination: DestinationSchema,
    request: RequestSchema,
    hops: HopsSchema,
    /** Milliseconds the sender still waits; each hop forwards a smaller budget. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const ForwardResponseSchema = Type.Object(
  {
    response: Type.Object(
      { status: Type.Integer({ minimum: 100, maximum: 599 }), body: Type.Optional(Type.Unknown()) },
      { additionalProperties: false },
    ),
    hops: HopsSchema,
  },
  { additionalProperties: false },
);

export const ErrorBodySchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  by: Type.Optional(Type.String()),
  hop: Type.Optional(Type.Integer()),
  check: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  sender: Type.Optional(Type.String()),
  requestId: Type.Optional(Type.String()),
});

export type ForwardRequest = Type.Static<typeof ForwardRequestSchema>;
export type ForwardResponse = Type.Static<typeof ForwardResponseSchema>;

/** Checks what the next hop answered: it is attacker-controlled too. */
export const forwardResponseValidator = Compile(ForwardResponseSchema);
export const errorBodyValidator = Compile(ErrorBodySchema);
