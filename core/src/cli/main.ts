import { readFile } from 'node:fs/promises';
import type { CliIo } from './io.js';
import { runCli } from './run.js';

const io: CliIo = {
  readFile: async (path) => {
    if (path !== '-') return new Uint8Array(await readFile(path));
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  },
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[2K${line}`) } : {}),
};

process.exitCode = await runCli(process.argv.slice(2), io);
