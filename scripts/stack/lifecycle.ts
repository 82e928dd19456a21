import type { StackRouting } from '../topologies/stack-routing.js';
import type { StackChain } from './chain.js';
import { stopGateway, type StackGateway } from './gateways.js';

/** What a stack has started so far: filled in as it starts, stopped gateways first, then routing, then the chain. */
export interface RunningStack {
  chain: StackChain | null;
  routing: StackRouting | null;
  gateways: StackGateway[];
  /** True once stopping began: a gateway exiting then is expected, not news. */
  stopping: boolean;
}

/**
 * The stack's one way out, for Ctrl-C, SIGTERM and a start that failed
 * half-way: stops what has started (once) and exits with `code`.
 */
export function stopOnSignals(say: (m: string) => void): { stack: RunningStack; stop: (code: number) => Promise<void> } {
  const stack: RunningStack = { chain: null, routing: null, gateways: [], stopping: false };
  const stop = async (code: number) => {
    if (stack.stopping) return;
    stack.stopping = true;
    say('\nstopping / 正在停止 ...');
    await Promise.all(stack.gateways.map(stopGateway));
    await stack.routing?.close();
    await stack.chain?.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  return { stack, stop };
}
