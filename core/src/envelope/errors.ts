/**
 * Why an envelope could not be sealed or opened. Stable codes: the routing
 * node and the gateways map them to their refusals.
 * - ENVELOPE_MALFORMED: not an envelope of this version (fields, lengths);
 * - ENVELOPE_WRONG_RECIPIENT: the content key does not decrypt with this key
 *   (sealed to someone else, or the wrapped key was altered);
 * - ENVELOPE_AUTH_FAILED: the tag does not verify (ciphertext or associated
 *   data altered, e.g. the envelope moved to another request or destination).
 */
export type EnvelopeErrorCode = 'ENVELOPE_MALFORMED' | 'ENVELOPE_WRONG_RECIPIENT' | 'ENVELOPE_AUTH_FAILED';

export class EnvelopeError extends Error {
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}
