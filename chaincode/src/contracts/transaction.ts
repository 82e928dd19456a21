import { Info, Param, Returns, Transaction, type Context, type Contract } from '../fabric.js';

/*
 * fabric-contract-api learns a contract's transactions from its annotations
 * (@Info, @Transaction, @Param, @Returns), which are legacy (experimental)
 * decorators. Written as decorators, the contracts only load when whoever
 * compiles them has experimentalDecorators on: tsc with this package's
 * tsconfig does, but a runner that strips types with another tsconfig (tsx
 * running the gateway or a script from sources) compiles them as standard
 * decorators and the annotations throw at import. So the annotations are
 * applied here as plain calls, after the class is defined, in the order the
 * decorators would have run (each method's, then the class's): the contract
 * metadata is the same however the package was compiled.
 *
 * Parameters are declared by name, never from design:paramtypes metadata,
 * which only tsc with emitDecoratorMetadata emits. Every argument and every
 * result is a string (JSON where structured): the chaincode parses and checks
 * each one itself (ledger/args.ts).
 */

export interface TransactionSpec {
  /** true: ordered, endorsed, committed (submit); false: a read-only query (evaluate). */
  commit: boolean;
  params: readonly string[];
}

/** A transaction that writes (ordered, endorsed, committed). */
export function submit(...params: string[]): TransactionSpec {
  return { commit: true, params };
}

/** A read-only query (@Transaction(false)): evaluated by one peer, never ordered. */
export function evaluate(...params: string[]): TransactionSpec {
  return { commit: false, params };
}

/** The names of a contract's methods shaped like transactions: (ctx, ...string arguments) => Promise<string>. */
type TransactionNames<T> = {
  [K in keyof T]: T[K] extends (ctx: Context, ...args: string[]) => Promise<string> ? K : never;
}[keyof T];

/**
 * Declares a contract class to fabric-contract-api: every transaction method
 * with its parameter names (the type requires one entry per such method, so a
 * transaction cannot be left undeclared), then the class's info.
 */
export function declareContract<T extends Contract>(
  contract: new () => T,
  info: { title: string; description: string },
  transactions: Record<TransactionNames<T>, TransactionSpec>,
): void {
  const prototype = contract.prototype as Record<string, unknown>;
  for (const [name, spec] of Object.entries(transactions) as [string, TransactionSpec][]) {
    const method = prototype[name];
    if (typeof method !== 'function') throw new Error(`${contract.name}.${name} is not a method`);
    // The context comes first and is not a transaction argument.
    if (method.length !== spec.params.length + 1) {
      throw new Error(`${contract.name}.${name} takes ${method.length - 1} arguments but declares ${spec.params.length}`);
    }
    Transaction(spec.commit)(prototype, name);
    for (const param of spec.params) Param(param, 'string')(prototype, name);
    Returns('string')(prototype, name);
  }
  Info({ ...info })(contract);
}
