/**
 * A one-line progress bar for long commands, drawn on stderr only when it is
 * a terminal (the CliIo gives `progress` then) so pipes and --json output
 * never carry it. Redraws at most every 100 ms, and always at the end.
 */
export function progressBar(draw: ((line: string) => void) | undefined, label: string, now: () => number = Date.now): (done: number, total: number) => void {
  if (!draw) return () => undefined;
  let last = -Infinity;
  return (done, total) => {
    const t = now();
    if (done < total && t - last < 100) return;
    last = t;
    const width = 30;
    const ratio = total === 0 ? 1 : done / total;
    const filled = Math.round(ratio * width);
    draw(`${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total}${done >= total ? '\n' : ''}`);
  };
}
