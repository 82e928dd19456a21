/** A caller waiting on a shared outcome, such as a write carrying its records among others. */
export interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Answers every caller of a shared operation: all resolved, or all refused with its error (null: it succeeded). */
export function settleAll(waiters: readonly Waiter[], error: unknown): void {
  for (const w of waiters) {
    if (error === null) w.resolve();
    else w.reject(error);
  }
}
