import { checkConsistencyProof, isEvidenceError, parseConsistencyProof, type ConsistencyProofJson, type ConsistencyVerdict } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { gatewayJson, GatewayUnreachable } from './gateway-http.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';

/** Why no verdict could be reached: exit 2, never a finding about the log. */
class NoProof extends Error {
  constructor(
    readonly kind: 'unreadable' | 'malformed' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

const KIND_LABEL: Record<NoProof['kind'], string> = {
  unreadable: '无法读取 cannot read',
  malformed: '格式错误 malformed',
  unreachable: '网关不可达 gateway unreachable',
};

interface Request {
  /** The FILE, or the gateway URL asked. */
  source: string;
  fetch(): Promise<ConsistencyProofJson>;
  firstRoot: string | undefined;
}

/**
 * `evidence verify-consistency FILE [--first-root HEX] [--json]`
 * `evidence verify-consistency --gateway URL --from M --to N [--token T] [--first-root HEX] [--json]`
 * Checks that a gateway's batch log of size N extends its log of size M
 * (RFC 9162 consistency, spec section 9). --first-root pins the root of size M
 * a monitor saw earlier: a gateway answering another root rewrote its log.
 * Exit 0 consistent, 1 not (or rewritten), 2 unreadable, malformed or unreachable.
 */
export async function verifyConsistencyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['gateway', 'from', 'to', 'token', 'first-root']);
  allowOnly(args, ['gateway', 'from', 'to', 'token', 'first-root', 'json']);
  const json = args.flags.has('json');
  const request = requestFrom(args, io);
  let doc: ConsistencyProofJson;
  try {
    doc = await request.fetch();
  } catch (e) {
    if (!(e instanceof NoProof)) throw e;
    if (json) io.stdout(JSON.stringify({ source: request.source, consistent: false, error: e.kind, message: e.message }));
    else io.stderr(`${request.source}: ${KIND_LABEL[e.kind]}: ${e.message}`);
    return 2;
  }
  const verdict = checkConsistencyProof(doc, request.firstRoot);
  if (json) io.stdout(JSON.stringify({ source: request.source, ...doc, ...verdict }));
  else printHuman(io, request.source, doc, verdict);
  return verdict.consistent ? 0 : 1;
}

function requestFrom(args: ParsedArgs, io: CliIo): Request {
  const gateway = stringFlag(args, 'gateway');
  const firstRoot = stringFlag(args, 'first-root');
  if (firstRoot !== undefined && !/^[0-9a-f]{64}$/.test(firstRoot)) throw new UsageError('--first-root must be 64 lowercase hex digits');
  if (gateway === undefined) {
    for (const flag of ['from', 'to', 'token']) if (args.flags.has(flag)) throw new UsageError(`--${flag} goes with --gateway`);
    if (args.positionals.length !== 1) throw new UsageError('verify-consistency needs exactly one FILE, or --gateway URL --from M --to N');
    const file = args.positionals[0]!;
    return { source: file, firstRoot, fetch: () => fromFile(io, file) };
  }
  if (args.positionals.length > 0) throw new UsageError(`verify-consistency takes a FILE or --gateway, not both (got ${args.positionals[0]})`);
  if (!/^https?:\/\//.test(gateway)) throw new UsageError('--gateway must be an http or https URL');
  const first = sizeFlag(args, 'from');
  const second = sizeFlag(args, 'to');
  if (second < first) throw new UsageError(`--to ${second} must not be below --from ${first}`);
  // A token on the command line is visible to other users of the machine: the environment is preferred.
  const token = stringFlag(args, 'token') ?? process.env.EVIDENCE_GATEWAY_TOKEN;
  const url = `${gateway.replace(/\/+$/, '')}/v1/log/consistency?first=${first}&second=${second}`;
  return { source: url, firstRoot, fetch: () => fromGateway(gateway, token, first, second) };
}

function sizeFlag(args: ParsedArgs, name: 'from' | 'to'): number {
  const v = stringFlag(args, name);
  if (v === undefined) throw new UsageError(`--gateway needs --from M and --to N (log sizes)`);
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a log size, an integer from 1 to 2^53 - 1`);
  return n;
}

async function fromFile(io: CliIo, file: string): Promise<ConsistencyProofJson> {
  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    throw new NoProof(e.unreadable ? 'unreadable' : 'malformed', e.message);
  }
  return parsed(input);
}

/** The gateway's answer is untrusted: checked like a file, and for the sizes that were asked. */
async function fromGateway(base: string, token: string | undefined, first: number, second: number): Promise<ConsistencyProofJson> {
  let body: unknown;
  try {
    body = await gatewayJson(base, token)(`/v1/log/consistency?first=${first}&second=${second}`);
  } catch (e) {
    if (!(e instanceof GatewayUnreachable)) throw e;
    throw new NoProof('unreachable', e.message);
  }
  const doc = parsed(body);
  if (doc.first !== first || doc.second !== second) {
    throw new NoProof('malformed', `asked for sizes ${first} → ${second}, the gateway answered ${doc.first} → ${doc.second}`);
  }
  return doc;
}

function parsed(input: unknown): ConsistencyProofJson {
  try {
    return parseConsistencyProof(input);
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    throw new NoProof('malformed', e.message);
  }
}

const VERDICT_LABEL = {
  consistent: '✓ 一致 CONSISTENT',
  rewritten: '✗ 日志被改写 LOG REWRITTEN',
  refused: '✗ 不予接受 REFUSED',
  inconsistent: '✗ 不一致 NOT CONSISTENT',
} as const;

function printHuman(io: CliIo, source: string, doc: ConsistencyProofJson, verdict: ConsistencyVerdict): void {
  io.stdout(`一致性证明 consistency proof: ${source}`);
  io.stdout(`  算法 alg ${doc.alg} · 大小 size ${doc.first} → ${doc.second} · 证明 proof ${doc.proof.length} 个哈希 hashes`);
  io.stdout(`  旧根 first root:  ${doc.firstRoot}`);
  io.stdout(`  新根 second root: ${doc.secondRoot}`);
  io.stdout(`  ${VERDICT_LABEL[verdict.consistent ? 'consistent' : verdict.reason]}: ${verdict.message}`);
}
