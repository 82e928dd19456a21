/**
 * The intake pipeline without HTTP: the built gateway (as deployed, not
 * listening) records the benchmark's single event from 64 callers in this
 * process, each awaiting its durable acknowledgement before the next, as the
 * HTTP benchmark's 64 connections do. It reports records/s and the CPU per
 * record of every thread and of the main thread alone (Linux /proc), so the
 * benchmark can tell the pipeline's cost from the HTTP layer's.
 * Reads GATEWAY_* settings from the environment and SECONDS; answers on the IPC channel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createGateway, loadConfig } from '@evidence/gateway';

const seconds = Number(process.env.SECONDS ?? 5);
const body = process.env.EVENT_BODY;
const gateway = await createGateway(loadConfig());
const evidence = gateway.ctx.evidence;

/** CPU microseconds per thread of this process, from /proc (clock ticks of 10 ms). */
function threadCpu() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    out.set(tid, (Number(f[11]) + Number(f[12])) * 1e4);
  }
  return out;
}

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
const before = threadCpu();
const from = { recorded, at: performance.now() };
await new Promise((r) => setTimeout(r, seconds * 1000));
const after = threadCpu();
const n = recorded - from.recorded;
const elapsed = (performance.now() - from.at) / 1000;
running = false;
await Promise.all(callers);
let all = 0;
for (const [tid, us] of after) all += us - (before.get(tid) ?? 0);
const main = after.get(String(process.pid)) - before.get(String(process.pid));
process.send?.({ type: 'result', perSecond: n / elapsed, cpuPerRecord: all / n, mainPerRecord: main / n });
await gateway.close();
process.exit(0);
