export function cpuSeconds(pid: number | undefined, tid?: number): number;
export function threadCpuSeconds(pid: number): Map<number, number>;
