/**
 * The standalone witness as its own process, started as `npm run witness -w
 * @evidence/node` starts it (same command, same folder), configured by
 * environment. Resolves once it printed its ready line; every stdout line is
 * kept (its log, the fork alarms included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const NODE_PACKAGE = fileURLToPath(new URL('../../node', import.meta.url));
/** node/package.json's "witness" script, as arguments. */
export const WITNESS_ARGS = ['--conditions=source', '--import', 'tsx', 'src/witness/server.ts'];

export interface WitnessProcess {
  child: ChildProcess;
  url: string;
  id: string;
  publicKey: string;
  lines: string[];
  stop(): Promise<void>;
}

export async function spawnWitness(env: Record<string, string>): Promise<WitnessProcess> {
  const child = spawn(process.execPath, [...WITNESS_ARGS, '--exit-with-parent'], {
    cwd: NODE_PACKAGE,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<{ url: string; id: string; publicKey: string }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        if (line.includes('"ready":true')) resolve(JSON.parse(line) as { url: string; id: string; publicKey: string });
      }
    });
    void exited.then(() => reject(new Error(`the witness exited before it was ready: ${stderr}`)));
  });
  const info = await ready;
  return {
    child,
    ...info,
    lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
