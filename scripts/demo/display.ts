/**
 * What the demo shows while it runs: one line per step with a spinner on a
 * terminal (plain lines otherwise), the facts each step established, and the
 * summary table at the end.
 */
export interface StepResult {
  n: number;
  title: string;
  /** Short name for the summary table. */
  label: string;
  ok: boolean;
  ms: number;
  detail: string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Display {
  private readonly tty = Boolean(process.stdout.isTTY);
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly total: number) {}

  start(n: number, title: string): void {
    const head = `[${n}/${this.total}] ${title}`;
    if (!this.tty) {
      console.log(`${head} ...`);
      return;
    }
    let i = 0;
    const started = Date.now();
    this.timer = setInterval(() => {
      process.stdout.write(`\r\x1b[2K${FRAMES[i++ % FRAMES.length]} ${head}  ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, 80);
  }

  done(r: StepResult, facts: string[]): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) process.stdout.write('\r\x1b[2K');
    console.log(`${r.ok ? '✓' : '✗'} [${r.n}/${this.total}] ${r.title}  (${(r.ms / 1000).toFixed(1)} s)`);
    for (const f of facts) console.log(`      ${f}`);
    if (!r.ok) console.log(`      失败 FAILED: ${r.detail}`);
  }

  summary(results: StepResult[]): void {
    const rows = results.map((r) => [String(r.n), r.label, r.ok ? '✓ 通过 passed' : '✗ 失败 FAILED', `${(r.ms / 1000).toFixed(1)} s`, r.detail]);
    const header = ['#', '步骤 step', '结果 result', '用时 time', '说明 detail'];
    // CJK and full-width characters take two columns in a terminal.
    const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
    const cols = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c]!))));
    const line = (cells: string[]) => cells.map((s, c) => s + ' '.repeat(cols[c]! - width(s))).join(' │ ');
    console.log('');
    console.log(line(header));
    console.log(cols.map((w) => '─'.repeat(w)).join('─┼─'));
    for (const r of rows) console.log(line(r));
    const failed = results.filter((r) => !r.ok).length;
    console.log('');
    console.log(failed === 0 ? `全部 ${results.length} 步通过 · all ${results.length} steps passed` : `${failed} 步失败 · ${failed} step(s) failed`);
  }
}
