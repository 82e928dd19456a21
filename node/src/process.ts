import type { FastifyInstance } from 'fastify';

/**
 * The life of a node or witness process after it listens: SIGTERM and SIGINT
 * close the server and exit 0; with --exit-with-parent, so does stdin closing
 * (a launcher that dies takes its processes along).
 */
export function serveUntilStopped(app: FastifyInstance, argv: readonly string[]): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (argv.includes('--exit-with-parent')) {
    process.stdin.once('end', shutdown);
    process.stdin.once('close', shutdown);
    process.stdin.resume();
  }
}

/** Runs a process's main; a failure is one JSON "not ready" line on stderr with its code, and exit 1. */
export function runMain(main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((e: unknown) => {
    const err = e as { code?: string; message?: string };
    console.error(JSON.stringify({ ready: false, code: err.code ?? 'INTERNAL', message: err.message ?? String(e) }));
    process.exit(1);
  });
}
