/**
 * Every refusal of a witness carries a stable code and an HTTP status
 * (`{ code, message }`, plus `size` for WITNESS_WRONG_BASE). Gateways switch
 * on the code; messages (Chinese / English) may be improved freely.
 */
export const WITNESS_ERRORS = {
  /** Malformed body or parameter: bad JSON, bad hex, a non-sm2 signature, proof and sizes that do not fit together. */
  WITNESS_BAD_REQUEST: 400,
  WITNESS_BODY_TOO_LARGE: 413,
  /** The gateway is not registered, or not active, in the registry. */
  WITNESS_UNKNOWN_GATEWAY: 403,
  /** The signature names a key that is not the gateway's registered key for batch size - 1. */
  WITNESS_WRONG_KEY: 403,
  WITNESS_BAD_SIGNATURE: 400,
  /** checkpoint.ts is further from the witness's clock than its tolerance. */
  WITNESS_CLOCK_SKEW: 400,
  /** A size smaller than the last one this witness cosigned: an old checkpoint replayed. */
  WITNESS_STALE: 409,
  /** The checkpoint contradicts the one this witness cosigned; the pair is kept as evidence. */
  WITNESS_FORK: 409,
  /** `from` is not the size this witness last cosigned; `size` says which it is (0: none). */
  WITNESS_WRONG_BASE: 409,
  /** This witness has cosigned nothing for that gateway. */
  WITNESS_NONE: 404,
  WITNESS_NOT_FOUND: 404,
  /** The key registry could not be read: try again later. */
  WITNESS_UNAVAILABLE: 503,
  WITNESS_INTERNAL: 500,
} as const;

export type WitnessErrorCode = keyof typeof WITNESS_ERRORS;

export class WitnessError extends Error {
  readonly code: WitnessErrorCode;
  readonly status: number;
  /** For WITNESS_WRONG_BASE: the size this witness last cosigned for the gateway. */
  readonly size: number | undefined;

  constructor(code: WitnessErrorCode, message: string, options?: { size?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WitnessError';
    this.code = code;
    this.status = WITNESS_ERRORS[code];
    this.size = options?.size;
  }
}

export function isWitnessError(e: unknown): e is WitnessError {
  return e instanceof WitnessError;
}

export interface WitnessErrorBody {
  code: WitnessErrorCode;
  message: string;
  size?: number;
}

export function witnessErrorBody(e: WitnessError): WitnessErrorBody {
  return e.size === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, size: e.size };
}
