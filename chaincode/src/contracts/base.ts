import { Context, Contract } from '../fabric.js';
import { wireMessage } from '../ledger/errors.js';

/**
 * What every contract of this chaincode shares: a refusal reaches the client as
 * "CODE: message" (see ledger/errors.ts), whether it was raised here, by the
 * core (EVIDENCE_*, MERKLE_*, SM2_*), or is a bug (CHAINCODE_INTERNAL). A failed
 * transaction returns an error response, so the peer endorses none of its writes.
 */
export abstract class EvidenceContract extends Contract {
  override async aroundTransaction(ctx: Context, fn: (...args: unknown[]) => unknown, parameters: unknown[]): Promise<void> {
    try {
      return await super.aroundTransaction(ctx, fn, parameters);
    } catch (e) {
      throw new Error(wireMessage(e));
    }
  }

  override async unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    throw new Error(`CHAINCODE_UNKNOWN_TRANSACTION: ${this.getName()} has no transaction named ${JSON.stringify(fcn)}`);
  }
}
