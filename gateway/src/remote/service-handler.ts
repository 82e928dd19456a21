import type { ForwardedRequest } from '@evidence/node';
import type { ServiceAnswer } from './internal-service.js';

/** A call delivered through the network, its caller proven by hop 0. */
export interface DeliveredCall {
  service: string;
  /** The calling institution's id (hop 0's signer, verified against the registry). */
  callerId: string;
  /** Its code when known, else its id. */
  caller: string;
  requestId: string;
  request: ForwardedRequest;
}

/**
 * A published service the gateway answers itself instead of forwarding to an
 * internal URL (e.g. the pharmacist review, which must check the reviewer's
 * credential on chain before its signature is recorded). Its answer is signed
 * into the response hop and recorded with the trace like any other.
 */
export type ServiceHandler = (call: DeliveredCall) => Promise<ServiceAnswer>;
