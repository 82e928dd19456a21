import { isEvidenceError } from '../errors.js';
import { UsageError } from './args.js';
import { auditCommand } from './audit.js';
import { certificateCommand } from './certificate.js';
import { claimCommand } from './claim.js';
import { monitorCommand } from './monitor.js';
import { HELP } from './help.js';
import type { CliIo } from './io.js';
import { hashCommand, idCommand, keygenCommand } from './tools.js';
import { trustCommand } from './trust-export.js';
import { verifyCommand } from './verify.js';
import { verifyConsistencyCommand } from './verify-consistency.js';
import { verifyTraceCommand } from './verify-trace.js';
import { witnessesCommand } from './witnesses.js';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  verify: verifyCommand,
  'verify-trace': verifyTraceCommand,
  'verify-consistency': verifyConsistencyCommand,
  keygen: keygenCommand,
  id: idCommand,
  hash: hashCommand,
  audit: auditCommand,
  claim: claimCommand,
  witnesses: witnessesCommand,
  monitor: monitorCommand,
  trust: trustCommand,
  certificate: certificateCommand,
};

/** Runs the CLI and returns its exit code: 0 valid, 1 invalid, 2 usage or read error. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`未知命令 unknown command: ${name}\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(HELP);
    return 0;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`用法错误 usage error: ${e.message}\n运行 run "evidence --help"`);
      return 2;
    }
    if (isEvidenceError(e)) {
      io.stderr(`${e.code}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
