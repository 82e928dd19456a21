/**
 * The chaincode as the adapter sees it: two functions with the signatures of
 * @hyperledger/fabric-gateway's Contract.submitTransaction and
 * Contract.evaluateTransaction. A submit resolves only once the transaction is
 * committed valid; an evaluate runs on one peer and writes nothing. Names are
 * "<contract>:<Transaction>", arguments strings, results UTF-8 JSON.
 */
export type SubmitFn = (name: string, ...args: string[]) => Promise<Uint8Array>;
export type EvaluateFn = (name: string, ...args: string[]) => Promise<Uint8Array>;

export interface ChaincodePort {
  submit: SubmitFn;
  evaluate: EvaluateFn;
}

/** Where the chaincode runs: the `anchor` object of a Fabric receipt names them (spec section 8). */
export interface ChaincodeLocation {
  channel: string;
  chaincode: string;
}
