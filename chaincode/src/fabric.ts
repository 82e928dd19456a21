import './logging.js';
import contractApi from 'fabric-contract-api';
import type * as ContractApi from 'fabric-contract-api';

/*
 * fabric-contract-api is CommonJS and fills most of its exports with
 * Object.assign, which Node's ESM loader cannot detect as named exports, so
 * `import { Info } from 'fabric-contract-api'` fails outside a bundler. This
 * module re-exports what the chaincode uses from the default (module.exports)
 * import, as values and as types.
 */
export const Contract = contractApi.Contract;
export type Contract = ContractApi.Contract;
export const Context = contractApi.Context;
export type Context = ContractApi.Context;
export const { Info, Transaction, Param, Returns, JSONSerializer } = contractApi;
