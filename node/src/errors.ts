/**
 * Every refusal of a routing node or of a gateway's remote-call plugin carries
 * a stable code and an HTTP status. Callers switch on the code; the message
 * (which names the failing hop, "hop N: <check>") may be improved freely.
 */
export const ROUTING_ERRORS = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  /** The chain of hops so far fails verification; `hop` and `check` name where. */
  HOP_INVALID: 400,
  /** The request body does not match the digest the chain signed; `hop` names who changed it. */
  HOP_DIGEST_MISMATCH: 400,
  /** The device on the TLS link is not the signer of the last hop (a relayed or replayed chain); `sender` names it. */
  HOP_SENDER_MISMATCH: 403,
  /** A link route (forward, peer update, publish) called without a valid device certificate of the network CA. */
  TLS_CLIENT_CERT_REQUIRED: 403,
  /** The envelope is not the one the sealing gateway signed (swapped, or moved to another destination); `sender` names who handed it over. */
  ENVELOPE_MISMATCH: 400,
  /** The envelope's signature verifies but it does not open here, or opens to a request other than the one the hops sign: the sealer's fault (hop 0 on a request). */
  ENVELOPE_UNREADABLE: 400,
  /** A request or answer in clear where envelopes are required, or neither or both of request and sealed. */
  ENVELOPE_REQUIRED: 400,
  /** The last hop hands the request to someone else, not to this node. */
  HOP_MISDIRECTED: 421,
  /** This node's id is already in the chain: forwarding would loop. */
  ROUTE_LOOP: 409,
  /** The chain is as long as this node allows. */
  ROUTE_HOP_LIMIT: 400,
  ROUTE_UNKNOWN_INSTITUTION: 404,
  ROUTE_UNKNOWN_SERVICE: 404,
  /** Every route to the destination failed at the transport level. */
  ROUTE_UNREACHABLE: 502,
  NEXT_HOP_TIMEOUT: 504,
  /** The next hop answered with something that is not a valid forward response. */
  NEXT_HOP_BAD_RESPONSE: 502,
  /** A peer or publish message from a sender this node does not know or trust. */
  PEER_UNKNOWN: 403,
  PEER_BAD_SIGNATURE: 401,
  PEER_REPLAY: 409,
  PEER_MISDIRECTED: 421,
  /** A signed peer message (update, publication) sent on another device's TLS link than its signer's. */
  PEER_SENDER_MISMATCH: 403,
  /** The key registry (the chain) could not be read: try again later. */
  KEYS_UNAVAILABLE: 503,
  DIRECTORY_MALFORMED: 500,
  DIRECTORY_BAD_SIGNATURE: 500,
  TRACE_NOT_FOUND: 404,
  /** Gateway side: the calling institution may not use this service. */
  REMOTE_FORBIDDEN: 403,
  REMOTE_UNKNOWN_SERVICE: 404,
  /** Gateway side: a remote path with an encoded slash or backslash (%2F, %5C). */
  REMOTE_BAD_PATH: 400,
  /** Gateway side: this request id was already delivered (replayed or retried chain). */
  REMOTE_REPLAY: 409,
  REMOTE_UNSUPPORTED_MEDIA: 415,
  /** Gateway side: the institution's internal service failed or timed out. */
  REMOTE_SERVICE_UNAVAILABLE: 502,
  /** Gateway side: the network returned a trace that does not verify. */
  REMOTE_BAD_TRACE: 502,
  INTERNAL: 500,
} as const;

export type RoutingErrorCode = keyof typeof ROUTING_ERRORS;

/** Where in a trace a refusal points: the hop index, the check and the signer of that hop. */
export interface HopBlame {
  hop: number;
  check?: string;
  /** id of the node or gateway that signed the blamed hop, when the hop exists. */
  node?: string;
  /**
   * id of whoever handed the chain over: the signer of its last hop, named
   * only when that hop's signature verifies (so it cannot be framed).
   */
  sender?: string;
}

export class RoutingError extends Error {
  readonly code: RoutingErrorCode;
  readonly status: number;
  readonly blame: HopBlame | undefined;

  constructor(code: RoutingErrorCode, message: string, blame?: HopBlame, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RoutingError';
    this.code = code;
    this.status = ROUTING_ERRORS[code];
    this.blame = blame;
  }
}

export function isRoutingError(e: unknown): e is RoutingError {
  return e instanceof RoutingError;
}

/**
 * The JSON body of every refusal. `by` is the id of the node or gateway that
 * refused, so a caller several hops away learns where the request stopped.
 */
export interface ErrorBody {
  code: string;
  message: string;
  by?: string;
  hop?: number;
  check?: string;
  node?: string;
  sender?: string;
}

export function errorBody(e: RoutingError, by?: string): ErrorBody {
  const body: ErrorBody = { code: e.code, message: e.message };
  if (by !== undefined) body.by = by;
  if (e.blame) {
    body.hop = e.blame.hop;
    if (e.blame.check !== undefined) body.check = e.blame.check;
    if (e.blame.node !== undefined) body.node = e.blame.node;
    if (e.blame.sender !== undefined) body.sender = e.blame.sender;
  }
  return body;
}
