/**
 * CPU time of processes and threads from Linux /proc, for the gateway
 * benchmark and its child processes (plain ESM, so both can load it).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of one stat file, in seconds (clock ticks of USER_HZ = 100). */
function statSeconds(path) {
  // The command name (field 2) is set by the process and may hold spaces or ")"; the fields after its last ")" hold neither.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds process `pid` has used so far (all its threads), or its thread `tid` alone; NaN where /proc cannot tell. */
export function cpuSeconds(pid, tid) {
  try {
    return statSeconds(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  } catch {
    return NaN;
  }
}

/** CPU seconds of every live thread of process `pid`, by thread id (a thread that ends while being read is left out). */
export function threadCpuSeconds(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const seconds = cpuSeconds(pid, tid);
    if (Number.isFinite(seconds)) out.set(Number(tid), seconds);
  }
  return out;
}
