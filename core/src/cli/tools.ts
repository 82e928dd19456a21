import { entityId, generateSm2KeyPair, hashFor, toHex, assertHashAlg } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';

/** `evidence keygen`: a fresh SM2 key pair as JSON. */
export async function keygenCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, []);
  allowOnly(args, []);
  if (args.positionals.length > 0) throw new UsageError('keygen takes no arguments');
  io.stdout(JSON.stringify(generateSm2KeyPair()));
  return 0;
}

/** `evidence id CODE`: SM3(utf8(code)), the id of spec section 2. */
export async function idCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, []);
  allowOnly(args, []);
  if (args.positionals.length !== 1) throw new UsageError('id needs exactly one CODE');
  io.stdout(toHex(entityId(args.positionals[0]!)));
  return 0;
}

/** `evidence hash --alg sm3|keccak256 FILE` */
export async function hashCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['alg']);
  allowOnly(args, ['alg']);
  const algName = stringFlag(args, 'alg') ?? 'sm3';
  let alg;
  try {
    alg = assertHashAlg(algName);
  } catch {
    throw new UsageError('--alg must be sm3 or keccak256');
  }
  if (args.positionals.length !== 1) throw new UsageError('hash needs exactly one FILE (- for standard input)');
  const file = args.positionals[0]!;
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (e) {
    io.stderr(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  io.stdout(toHex(hashFor(alg)(bytes)));
  return 0;
}
