import {
  beijingTime,
  checkConsistencyProof,
  encodeCheckpoint,
  entityId,
  fromHex,
  isEvidenceError,
  parseConsistencyProof,
  toHex,
  verifyCheckpointSignature,
  verifyCosignature,
  type Checkpoint,
  type CheckpointSignature,
  type Cosignature,
} from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';

/** A witness to ask, as given on the command line or in the witnesses file. */
interface WitnessTarget {
  url: string;
  code?: string;
}

/** A gateway-signed checkpoint as some witness served it (cosigned, or inside its fork evidence). */
interface Statement {
  checkpoint: Checkpoint;
  signature: CheckpointSignature;
  /** Who showed it: the witnesses that cosigned it, and those holding it as fork evidence. */
  cosignedBy: { witness: string; label: string; cosignature: Cosignature }[];
  heldAsForkEvidenceBy: string[];
}

interface WitnessReport {
  label: string;
  url: string;
  status: 'cosigned' | 'none' | 'unreachable' | 'invalid';
  message?: string;
  checkpoint?: Checkpoint;
  cosignature?: Cosignature;
  forks: ForkEntry[];
  forksError?: string;
}

interface ForkEntry {
  reason: string;
  detectedAt: number;
  first: { size: number; root: string };
  second: { size: number; root: string };
  /** Both checkpoints carry a valid signature of one key: the pair is the gateway's own word. */
  signed: boolean;
}

interface SplitView {
  reason: 'root' | 'alg' | 'consistency';
  message: string;
  first: Statement;
  second: Statement;
  proof?: { status: number | null; body?: unknown };
}

interface PairCheck {
  first: number;
  second: number;
  result: 'consistent' | 'split' | 'undetermined';
  message: string;
}

const VALUED = ['gateway', 'witnesses', 'witnesses-file', 'gateway-url', 'token'];
const TIMEOUT_MS = 15_000;

/**
 * `evidence monitor --gateway ID (--witnesses URL,URL,... | --witnesses-file FILE) [--gateway-url URL --token T] [--json]`
 * Asks each witness for the last checkpoint of the gateway it cosigned and
 * checks that all of them describe one history (spec section 10). Everything
 * a witness or the gateway answers is untrusted: a split view is reported only
 * with checkpoints whose SM2 signature verifies under the key they name and
 * with a cosignature that verifies. Which key is the gateway's is the
 * registry's word, which witnesses check before they cosign; when the two
 * sides of a split name different keys the report says so, since a lying
 * witness could have signed one side with a key of its own.
 * Exit 0 one history, 1 split view found, 2 usage, unreachable or undetermined.
 */
export async function monitorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, VALUED);
  allowOnly(args, [...VALUED, 'json']);
  if (args.positionals.length > 0) throw new UsageError(`monitor takes no FILE (got ${args.positionals[0]})`);
  const json = args.flags.has('json');
  const gatewayArg = stringFlag(args, 'gateway');
  if (!gatewayArg) throw new UsageError('monitor needs --gateway ID (64 hex digits, or the institution code)');
  const gateway = /^[0-9a-f]{64}$/.test(gatewayArg) ? gatewayArg : toHex(entityId(gatewayArg));
  const targets = await witnessTargets(args.flags.get('witnesses'), stringFlag(args, 'witnesses-file'), io);
  const gatewayUrl = stringFlag(args, 'gateway-url');
  if (gatewayUrl !== undefined && !/^https?:\/\//.test(gatewayUrl)) throw new UsageError('--gateway-url must be an http or https URL');
  // A token on the command line is visible to other users of the machine: the environment is preferred.
  const token = stringFlag(args, 'token') ?? process.env.EVIDENCE_GATEWAY_TOKEN;

  const reports = await Promise.all(targets.map((t) => askWitness(t, gateway)));
  const statements = collect(reports);
  const { splits, pairs } = await compare(statements, gatewayUrl, token);
  const undetermined = pairs.some((p) => p.result === 'undetermined');
  const troubled = reports.some((r) => r.status === 'unreachable' || r.status === 'invalid' || r.forksError !== undefined);
  const code = splits.length > 0 ? 1 : undetermined || troubled ? 2 : 0;

  if (json) {
    io.stdout(
      JSON.stringify({
        gateway,
        consistent: code === 0,
        splitView: splits.length > 0,
        witnesses: reports,
        pairs,
        splitViews: splits.map((s) => ({ reason: s.reason, message: s.message, first: s.first, second: s.second, ...(s.proof ? { proof: s.proof } : {}) })),
      }),
    );
  } else {
    printHuman(io, gateway, reports, pairs, splits, code);
  }
  return code;
}

async function witnessTargets(list: string | true | undefined, file: string | undefined, io: CliIo): Promise<WitnessTarget[]> {
  if (list === true) throw new UsageError('--witnesses needs a value: URL,URL,...');
  if ((list === undefined) === (file === undefined)) throw new UsageError('monitor needs --witnesses URL,URL,... or --witnesses-file FILE (one of them)');
  let targets: WitnessTarget[];
  if (list !== undefined) {
    targets = list
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
      .map((url) => ({ url }));
  } else {
    let doc: unknown;
    try {
      doc = await readJson(io, file!);
    } catch (e) {
      if (!(e instanceof ReadError)) throw e;
      throw new UsageError(e.message);
    }
    if (!Array.isArray(doc)) throw new UsageError(`${file} must be a JSON array [{ "code"?, "url" }]`);
    targets = doc.map((w: unknown, i) => {
      const o = (typeof w === 'object' && w !== null ? w : {}) as { url?: unknown; code?: unknown };
      if (typeof o.url !== 'string') throw new UsageError(`${file}[${i}] needs "url"`);
      if (o.code !== undefined && typeof o.code !== 'string') throw new UsageError(`${file}[${i}].code must be a string`);
      return { url: o.url, ...(o.code ? { code: o.code } : {}) };
    });
  }
  if (targets.length === 0) throw new UsageError('monitor needs at least one witness URL');
  for (const t of targets) if (!/^https?:\/\//.test(t.url)) throw new UsageError(`witness URL must be http or https: ${t.url}`);
  return targets.map((t) => ({ ...t, url: t.url.replace(/\/+$/, '') }));
}

/** GET with a timeout; null status when nothing answered. */
async function getJson(url: string, token?: string): Promise<{ status: number | null; body: unknown; error?: string }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    return { status: null, body: null, error: (e as Error).message };
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: null, error: `answered ${res.status} with something that is not JSON` };
  }
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The checkpoint and the gateway's signature as served, or null when they do not even encode. */
function signedCheckpoint(v: unknown): { checkpoint: Checkpoint; signature: CheckpointSignature } | null {
  const o = obj(v);
  const cp = obj(o.checkpoint);
  const sig = obj(o.signature);
  const checkpoint = { gateway: cp.gateway, alg: cp.alg, size: cp.size, root: cp.root, ts: cp.ts } as Checkpoint;
  try {
    encodeCheckpoint(checkpoint);
  } catch {
    return null;
  }
  if (sig.alg !== 'sm2' || typeof sig.publicKey !== 'string' || typeof sig.value !== 'string') return null;
  return { checkpoint, signature: { alg: 'sm2', publicKey: sig.publicKey, value: sig.value } };
}

function gatewaySigned(s: { checkpoint: Checkpoint; signature: CheckpointSignature }): boolean {
  try {
    return verifyCheckpointSignature(s.checkpoint, fromHex(s.signature.value, 64, 'signature.value'), s.signature.publicKey);
  } catch {
    return false;
  }
}

async function askWitness(target: WitnessTarget, gateway: string): Promise<WitnessReport & { served?: { checkpoint: Checkpoint; signature: CheckpointSignature }; forkPairs: [unknown, unknown][] }> {
  const label = target.code ?? target.url;
  const base: WitnessReport & { forkPairs: [unknown, unknown][] } = { label, url: target.url, status: 'none', forks: [], forkPairs: [] };

  const forks = await getJson(`${target.url}/v1/witness/forks?gateway=${gateway}`);
  const list = obj(forks.body).forks;
  if (forks.status !== 200 || !Array.isArray(list)) {
    base.forksError = forks.error ?? `GET /v1/witness/forks answered ${forks.status}`;
  } else {
    for (const f of list) {
      const first = signedCheckpoint(obj(f).first);
      const second = signedCheckpoint(obj(f).second);
      if (!first || !second || first.checkpoint.gateway !== gateway || second.checkpoint.gateway !== gateway) continue;
      const signed = first.signature.publicKey === second.signature.publicKey && gatewaySigned(first) && gatewaySigned(second);
      base.forks.push({
        reason: String(obj(f).reason),
        detectedAt: Number(obj(f).detectedAt),
        first: { size: first.checkpoint.size, root: first.checkpoint.root },
        second: { size: second.checkpoint.size, root: second.checkpoint.root },
        signed,
      });
      // Only pairs the gateway signed join the comparison: a witness cannot forge them.
      if (signed) base.forkPairs.push([first, second]);
    }
  }

  const latest = await getJson(`${target.url}/v1/witness/checkpoints/${gateway}`);
  if (latest.status === 404 && obj(latest.body).code === 'WITNESS_NONE') return base;
  if (latest.status !== 200) {
    return { ...base, status: 'unreachable', message: latest.error ?? `GET /v1/witness/checkpoints answered ${latest.status}: ${JSON.stringify(latest.body).slice(0, 200)}` };
  }
  const served = signedCheckpoint(latest.body);
  const c = obj(obj(latest.body).cosignature);
  const cosignature = { witness: c.witness, ts: c.ts, publicKey: c.publicKey, value: c.value } as Cosignature;
  if (!served) return { ...base, status: 'invalid', message: '检查点格式错误 malformed checkpoint' };
  if (served.checkpoint.gateway !== gateway) {
    return { ...base, status: 'invalid', message: `检查点属于另一网关 the checkpoint is of gateway ${served.checkpoint.gateway}` };
  }
  if (!gatewaySigned(served)) return { ...base, status: 'invalid', message: '网关签名无效 the gateway signature does not verify', checkpoint: served.checkpoint };
  if (!verifyCosignature(served.checkpoint, cosignature)) {
    return { ...base, status: 'invalid', message: '见证签名无效 the cosignature does not verify', checkpoint: served.checkpoint };
  }
  return { ...base, status: 'cosigned', checkpoint: served.checkpoint, cosignature, served };
}

const keyOf = (s: { checkpoint: Checkpoint; signature: CheckpointSignature }) =>
  `${s.checkpoint.alg}/${s.checkpoint.size}/${s.checkpoint.root}/${s.signature.publicKey}`;

/** The distinct gateway-signed statements the witnesses showed, each with who showed it. */
function collect(reports: Awaited<ReturnType<typeof askWitness>>[]): Statement[] {
  const byKey = new Map<string, Statement>();
  const statementOf = (s: { checkpoint: Checkpoint; signature: CheckpointSignature }): Statement => {
    let st = byKey.get(keyOf(s));
    if (!st) byKey.set(keyOf(s), (st = { checkpoint: s.checkpoint, signature: s.signature, cosignedBy: [], heldAsForkEvidenceBy: [] }));
    return st;
  };
  for (const r of reports) {
    if (r.served && r.cosignature) statementOf(r.served).cosignedBy.push({ witness: r.cosignature.witness, label: r.label, cosignature: r.cosignature });
    for (const pair of r.forkPairs) {
      for (const s of pair) {
        const st = statementOf(s as { checkpoint: Checkpoint; signature: CheckpointSignature });
        if (!st.heldAsForkEvidenceBy.includes(r.label)) st.heldAsForkEvidenceBy.push(r.label);
      }
    }
    delete (r as Partial<typeof r>).served;
    delete (r as Partial<typeof r>).forkPairs;
  }
  return [...byKey.values()].sort((a, b) => a.checkpoint.size - b.checkpoint.size);
}

/**
 * Every pair of distinct statements must fit one append-only log: the same
 * size with the same root, and for two sizes a consistency proof the gateway
 * produces between exactly the two witnessed roots. The gateway chooses the
 * proof; it is checked against the roots the gateway signed, not the roots
 * the gateway's answer names, so a gateway cannot reconcile two histories by
 * answering with a third.
 */
async function compare(statements: Statement[], gatewayUrl: string | undefined, token: string | undefined): Promise<{ splits: SplitView[]; pairs: PairCheck[] }> {
  const splits: SplitView[] = [];
  const pairs: PairCheck[] = [];
  const proofs = new Map<string, Awaited<ReturnType<typeof getJson>>>();
  for (let i = 0; i < statements.length; i++) {
    for (let j = i + 1; j < statements.length; j++) {
      const a = statements[i]!;
      const b = statements[j]!;
      const [m, n] = [a.checkpoint.size, b.checkpoint.size];
      if (a.checkpoint.alg !== b.checkpoint.alg) {
        const message = `同一日志两种哈希算法 one log under two hash algorithms: ${a.checkpoint.alg} and ${b.checkpoint.alg}`;
        splits.push({ reason: 'alg', message, first: a, second: b });
        pairs.push({ first: m, second: n, result: 'split', message });
        continue;
      }
      if (m === n) {
        if (a.checkpoint.root === b.checkpoint.root) {
          // Same statement signed at two times or under a rotated key: one history.
          pairs.push({ first: m, second: n, result: 'consistent', message: `大小相同、根相同 same size, same root` });
          continue;
        }
        const message = `同一大小 ${m} 有两个根 two roots for size ${m}: ${a.checkpoint.root} / ${b.checkpoint.root}${keyNote(a, b)}`;
        splits.push({ reason: 'root', message, first: a, second: b });
        pairs.push({ first: m, second: n, result: 'split', message });
        continue;
      }
      if (!gatewayUrl) {
        pairs.push({ first: m, second: n, result: 'undetermined', message: `大小不同，需要 --gateway-url 索取一致性证明 sizes differ: give --gateway-url to ask for a consistency proof` });
        continue;
      }
      const path = `/v1/log/consistency?first=${m}&second=${n}`;
      let answer = proofs.get(path);
      if (!answer) proofs.set(path, (answer = await getJson(gatewayUrl.replace(/\/+$/, '') + path, token)));
      // Down, refusing our token, or failing inside: not the gateway's word about its log.
      if (answer.status === null || answer.status === 401 || answer.status === 403 || answer.status >= 500) {
        pairs.push({ first: m, second: n, result: 'undetermined', message: `网关不可达 gateway unreachable: ${answer.error ?? `answered ${answer.status}`}` });
        continue;
      }
      let holds = false;
      let why: string;
      if (answer.status !== 200) {
        why = `网关无法给出一致性证明 the gateway cannot produce a consistency proof (${answer.status})`;
      } else {
        try {
          const doc = parseConsistencyProof(answer.body);
          if (doc.first !== m || doc.second !== n) throw new UsageError(`asked for ${m} → ${n}, answered ${doc.first} → ${doc.second}`);
          const verdict = checkConsistencyProof({ ...doc, alg: a.checkpoint.alg, firstRoot: a.checkpoint.root, secondRoot: b.checkpoint.root });
          holds = verdict.consistent;
          why = verdict.consistent ? verdict.message : `一致性证明不成立 the proof fails against the witnessed roots: ${verdict.message}`;
        } catch (e) {
          if (!isEvidenceError(e) && !(e instanceof UsageError)) throw e;
          why = `网关的一致性证明格式错误 the gateway's consistency proof is malformed: ${e.message}`;
        }
      }
      if (holds) {
        pairs.push({ first: m, second: n, result: 'consistent', message: why });
      } else {
        why += keyNote(a, b);
        splits.push({ reason: 'consistency', message: why, first: a, second: b, proof: { status: answer.status, body: answer.body } });
        pairs.push({ first: m, second: n, result: 'split', message: why });
      }
    }
  }
  return { splits, pairs };
}

/** Two sides signed with different keys: a key rotation, or one side not the gateway's at all. */
const keyNote = (a: Statement, b: Statement): string =>
  a.signature.publicKey === b.signature.publicKey
    ? ''
    : ' · 两侧签名公钥不同，请按链上登记核对 the two sides name different signing keys: check both against the registry';

const STATUS_LABEL: Record<WitnessReport['status'], string> = {
  cosigned: '已副签 cosigned',
  none: '未见过该网关 has cosigned nothing of this gateway',
  unreachable: '不可达 unreachable',
  invalid: '应答无效 invalid answer',
};

function printStatement(io: CliIo, name: string, s: Statement): void {
  io.stdout(`  ${name}: 大小 size ${s.checkpoint.size} · 根 root ${s.checkpoint.root} · ${s.checkpoint.alg} · 网关时间 gateway time ${beijingTime(s.checkpoint.ts)}`);
  io.stdout(`    检查点 checkpoint: ${JSON.stringify(s.checkpoint)}`);
  io.stdout(`    网关签名 gateway signature: 公钥 publicKey ${s.signature.publicKey} · 签名 value ${s.signature.value}`);
  for (const c of s.cosignedBy) {
    io.stdout(`    副签见证人 cosigned by ${c.label} (${c.witness}) · 时间 time ${beijingTime(c.cosignature.ts)} · 公钥 publicKey ${c.cosignature.publicKey} · 签名 value ${c.cosignature.value}`);
  }
  for (const w of s.heldAsForkEvidenceBy) io.stdout(`    见证人的分叉证据中 in the fork evidence of ${w}`);
}

function printHuman(io: CliIo, gateway: string, reports: WitnessReport[], pairs: PairCheck[], splits: SplitView[], code: number): void {
  io.stdout(`网关 gateway ${gateway}`);
  for (const r of reports) {
    const cp = r.checkpoint ? ` · 大小 size ${r.checkpoint.size} · 根 root ${r.checkpoint.root}` : '';
    io.stdout(`  见证人 witness ${r.label}: ${STATUS_LABEL[r.status]}${cp}${r.message ? ` · ${r.message}` : ''}`);
    if (r.forksError) io.stdout(`    分叉证据无法读取 fork evidence unreadable: ${r.forksError}`);
    for (const f of r.forks) {
      io.stdout(
        `    分叉证据 fork evidence (${f.reason}, ${beijingTime(f.detectedAt)}): 大小 size ${f.first.size} 根 root ${f.first.root} / 大小 size ${f.second.size} 根 root ${f.second.root}` +
          (f.signed ? '' : ' · 签名不成立，未采信 signatures do not verify, ignored'),
      );
    }
  }
  for (const p of pairs) {
    const mark = p.result === 'consistent' ? '✓' : p.result === 'split' ? '✗' : '?';
    io.stdout(`  ${mark} 大小 size ${p.first} ↔ ${p.second}: ${p.message}`);
  }
  for (const s of splits) {
    io.stdout(`✗ 分裂视图 SPLIT VIEW: 网关向不同见证人展示了不同的历史 the gateway showed witnesses different histories — ${s.message}`);
    printStatement(io, '历史 A history A', s.first);
    printStatement(io, '历史 B history B', s.second);
    if (s.proof) io.stdout(`    网关的应答 the gateway's answer (${s.proof.status}): ${JSON.stringify(s.proof.body)}`);
  }
  if (code === 0) io.stdout('✓ 一致 CONSISTENT: 各见证人所见为同一历史 every witness saw one history');
  if (code === 2 && splits.length === 0) io.stdout('? 无法判定 UNDETERMINED: 有见证人或网关不可达或应答无效 a witness or the gateway could not be asked or answered invalidly');
}
