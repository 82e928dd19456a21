import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The forwarding protocol between gateways and routing nodes (HTTP, JSON):
 *
 *   gateway A --POST /v1/forward--> node --POST /v1/forward--> node --POST /v1/deliver--> gateway B
 *
 * Every request carries the destination, the request sealed to B (`sealed`:
 * an envelope of core/src/envelope with the origin's signature over it) or,
 * where both gateways allow it for development, in clear (`request`: as B's
 * service will receive it), the signed hops so far and the time budget left.
 * The answer is B's response, sealed back to A or in clear as the request
 * was, with the whole trace (origin ... deliver, response), or a coded
 * refusal `{ code, message, by, hop?, check?, node?, sender? }`.
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

/**
 * An envelope (core/src/envelope) and `sig`, the SM2 signature of the gateway
 * that sealed it over the envelope and its context: every receiver checks it
 * against that gateway's registered key.
 */
export const SealedSchema = Type.Object(
  {
    v: Type.Integer(),
    alg: Type.String({ maxLength: 64 }),
    key: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2,512}$' })),
    iv: hex(16),
    ct: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    tag: hex(32),
    sig: hex(64),
  },
  { additionalProperties: false },
);

export const ForwardRequestSchema = Type.Object(
  {
    destination: DestinationSchema,
    /** In clear: only between gateways that both allow it (development). Exactly one of request and sealed. */
    request: Type.Optional(RequestSchema),
    sealed: Type.Optional(SealedSchema),
    hops: HopsSchema,
    /** Milliseconds the sender still waits; each hop forwards a smaller budget. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const ResponseSchema = Type.Object(
  { status: Type.Integer({ minimum: 100, maximum: 599 }), body: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);

export const ForwardResponseSchema = Type.Object(
  {
    /** In clear when the request was; otherwise `sealed` to the origin. */
    response: Type.Optional(ResponseSchema),
    sealed: Type.Optional(SealedSchema),
    hops: HopsSchema,
    /** What each routing node on the way checked (its statement, not signed: spec section 7 hops have no room for it). */
    checks: Type.Optional(Type.Array(Type.Object({ node: hex(32), made: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 }) }, { additionalProperties: false }), { maxItems: MAX_WIRE_HOPS })),
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
export type Sealed = Type.Static<typeof SealedSchema>;
export type ForwardResponse = Type.Static<typeof ForwardResponseSchema>;

/** Checks what the next hop answered: it is attacker-controlled too. */
export const forwardResponseValidator = Compile(ForwardResponseSchema);
export const errorBodyValidator = Compile(ErrorBodySchema);
export const requestValidator = Compile(RequestSchema);
export const responseValidator = Compile(ResponseSchema);
