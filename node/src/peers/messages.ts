import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

const Id = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Counter = Type.Integer({ minimum: 0 });
const Destination = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[a-z0-9][a-z0-9._-]{0,63}$' });

/**
 * A path-vector update from one node to a neighbour (POST /v1/peer/update,
 * body signed, see signed-body.ts).
 *
 * `session` is the sender's start time and `seq` counts messages to this
 * receiver within the session: a receiver refuses anything not newer than what
 * it has seen (replay), and asks for a full table (`{ resync: true }`) when a
 * message was lost. `full` replaces everything the sender advertised before.
 * Each announced path starts with the sender's id. `holdMs` is how long the
 * receiver keeps the sender's routes without hearing from it: an empty update
 * is the keepalive.
 */
export const PeerUpdateSchema = Type.Object(
  {
    v: Type.Literal(1),
    from: Id,
    to: Id,
    session: Counter,
    seq: Counter,
    ts: Counter,
    holdMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    full: Type.Boolean(),
    announce: Type.Array(
      Type.Object(
        { path: Type.Array(Id, { minItems: 1, maxItems: 64 }), destinations: Type.Array(Destination) },
        { additionalProperties: false },
      ),
    ),
    withdraw: Type.Array(Destination),
  },
  { additionalProperties: false },
);
export type PeerUpdate = Type.Static<typeof PeerUpdateSchema>;
export const peerUpdateValidator = Compile(PeerUpdateSchema);

/**
 * A gateway publishing its services to its routing node (POST /v1/publish,
 * body signed by the gateway). The set replaces the previous one; an empty set
 * withdraws them all. Routes live `ttlMs` unless published again.
 */
export const PublishSchema = Type.Object(
  {
    v: Type.Literal(1),
    gateway: Id,
    code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    node: Id,
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    session: Counter,
    seq: Counter,
    ts: Counter,
    ttlMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
    services: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }), { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type Publish = Type.Static<typeof PublishSchema>;
export const publishValidator = Compile(PublishSchema);

/** Anti-replay state of one sender: the newest (session, seq) accepted. */
export interface Freshness {
  session: number;
  seq: number;
}

export type Ordering = 'replay' | 'next' | 'gap';

/** Where (session, seq) stands relative to the last accepted message of that sender. */
export function ordering(last: Freshness | undefined, session: number, seq: number): Ordering {
  if (!last || session > last.session) return 'gap';
  if (session < last.session || seq <= last.seq) return 'replay';
  return seq === last.seq + 1 ? 'next' : 'gap';
}
