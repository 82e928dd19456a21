import { keyLookupFrom, verifyTrace, type Hop, type TraceNode, type TraceOptions } from '../index.js';
import { allowOnly, parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';

interface TraceFile {
  hops: Hop[];
  nodes: TraceNode[];
  request?: TraceOptions['request'];
  response?: TraceOptions['response'];
}

/** `evidence verify-trace FILE [--json]` */
export async function verifyTraceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, []);
  allowOnly(args, ['json']);
  if (args.positionals.length !== 1) throw new UsageError('verify-trace needs exactly one FILE');
  const file = args.positionals[0]!;
  const json = args.flags.has('json');

  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    emit(io, json, file, false, null, 'malformed', e.message);
    return e.unreadable ? 2 : 1;
  }
  if (!isTraceFile(input)) {
    emit(io, json, file, false, null, 'malformed', 'expected { "hops": [...], "nodes": [{ "id", "publicKey" }] }');
    return 1;
  }
  const result = verifyTrace(input.hops, keyLookupFrom(input.nodes), {
    request: input.request,
    response: input.response,
  });
  if (result.valid) {
    emit(io, json, file, true, null, null, `${input.hops.length} hops verified`);
    if (!json) {
      const codes = new Map(input.nodes.map((n) => [n.id, n.code ?? n.id.slice(0, 16)]));
      input.hops.forEach((h, i) => io.stdout(`  ✓ hop ${i} type ${h.type} ${codes.get(h.node) ?? h.node}`));
    }
    return 0;
  }
  emit(io, json, file, false, result.hop, result.check, result.message);
  return 1;
}

function emit(
  io: CliIo,
  json: boolean,
  file: string,
  valid: boolean,
  hop: number | null,
  check: string | null,
  message: string,
): void {
  if (json) {
    io.stdout(JSON.stringify({ file, valid, failedHop: hop, failedCheck: check, message }));
  } else {
    io.stdout(`${file}\n  ${valid ? '结果 result: 有效 VALID' : '结果 result: 无效 INVALID'} — ${message}`);
  }
}

function isTraceFile(v: unknown): v is TraceFile {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    Array.isArray(t.hops) &&
    Array.isArray(t.nodes) &&
    t.nodes.every((n) => typeof n === 'object' && n !== null && typeof (n as TraceNode).id === 'string' && typeof (n as TraceNode).publicKey === 'string')
  );
}
