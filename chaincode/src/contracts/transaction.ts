import { Param, Returns, Transaction } from '../fabric.js';

/*
 * fabric-contract-api builds each transaction's parameter list from the
 * compiler's design:paramtypes metadata. Test runners that strip types without
 * emitting it (esbuild) would leave the list empty and every call would fail
 * with "Expected 0 parameters". So the parameters are declared by name here,
 * after @Transaction has run, in the order the method takes them: the contract
 * metadata is the same whether or not the metadata was emitted.
 *
 * Every argument and every result is a string (JSON where structured): the
 * chaincode parses and checks each one itself (ledger/args.ts).
 */
type MethodDecorator = (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor) => void;

function declare(commit: boolean, params: string[]): MethodDecorator {
  return (target, propertyKey) => {
    Transaction(commit)(target, propertyKey);
    for (const name of params) Param(name, 'string')(target, propertyKey);
    Returns('string')(target, propertyKey);
  };
}

/** A transaction that writes (ordered, endorsed, committed). */
export function Submit(...params: string[]): MethodDecorator {
  return declare(true, params);
}

/** A read-only query (@Transaction(false)): evaluated by one peer, never ordered. */
export function Evaluate(...params: string[]): MethodDecorator {
  return declare(false, params);
}
