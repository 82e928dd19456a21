/**
 * The intake pipeline without HTTP: the built gateway (as deployed, not
 * listening) records the benchmark's single event from 64 callers in this
 * process, each awaiting its durable acknowledgement before the next, as the
 * HTTP benchmark's 64 connections do. It reports records/s and the CPU per
 * record of every thread and of the main thread alone (Linux /proc), so the
 * benchmark can tell the pipeline's cost from the HTTP layer's.
 * Reads GATEWAY_* settings from the environment and SECONDS; answers on the IPC channel.
 */
import { createGateway, loadConfig } from '@evidence/gateway';
import { threadCpuSeconds } from './proc-cpu.mjs';

const seconds = Number(process.env.SECONDS ?? 5);
const body = process.env.EVENT_BODY;
const gateway = await createGateway(loadConfig());
const evidence = gateway.ctx.evidence;

let recorded = 0;
let running = true;
async function caller() {
  while (running) {
    await evidence.recordBody(body, { kind: 'event' }, 'bench');
    recorded++;
  }
}
const callers = Array.from({ length: 64 }, caller);
await new Promise((r) => setTimeout(r, 2000)); // warm-up: JIT, workers, LevelDB files
const before = threadCpuSeconds(process.pid);
const from = { recorded, at: performance.now() };
await new Promise((r) => setTimeout(r, seconds * 1000));
const after = threadCpuSeconds(process.pid);
const n = recorded - from.recorded;
const elapsed = (performance.now() - from.at) / 1000;
running = false;
await Promise.all(callers);
let all = 0;
for (const [tid, s] of after) all += s - (before.get(tid) ?? 0);
const main = after.get(process.pid) - before.get(process.pid);
// Microseconds per record.
process.send?.({ type: 'result', perSecond: n / elapsed, cpuPerRecord: (all * 1e6) / n, mainPerRecord: (main * 1e6) / n });
await gateway.close();
process.exit(0);
