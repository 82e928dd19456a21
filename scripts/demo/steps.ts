import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jcs, keyLookupFrom, sm3, toHex, utf8, verifyTrace, type Hop, type TraceNode } from '@evidence/core';
import { localAccounts, requestClaimPackage, setInsurerPolicy } from '@evidence/contracts';
import type { JsonRpcProvider, Wallet } from 'ethers';
import type { Api, Stack } from './stack.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DAY = 86_400_000;

/** Everything the visit's steps share: the two institutions, the patient, what earlier steps recorded. */
export interface Visit {
  stack: Stack;
  /** The internet hospital (institution A) and another hospital (institution B). */
  a: Api;
  b: Api;
  run: string;
  patient: { idNumber: string; patientId: string };
  ids: Record<string, string>;
  /** Where files handed to the CLI go (bundle, claim package). */
  dir: string;
  provider: JsonRpcProvider;
  governor: Wallet;
  insurer: Wallet;
}

export interface Step {
  title: string;
  /** Short name for the summary table. */
  label: string;
  /** Returns what the step established (shown under it); throws when it fails. */
  run(v: Visit): Promise<string[]>;
}

/** The `evidence` CLI as a separate process, as a court or a regulator runs it. */
export async function evidenceCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const built = existsSync(join(ROOT, 'core/dist/cli/main.js')) && existsSync(join(ROOT, 'contracts/dist/index.js'));
  const argv = built ? [join(ROOT, 'core/bin/evidence.js'), ...args] : ['--conditions=source', '--import', 'tsx', join(ROOT, 'core/src/cli/main.ts'), ...args];
  return new Promise((done) => {
    execFile(process.execPath, argv, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } }, (e, stdout, stderr) =>
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A call through the routing network; retried while the node has not yet learnt the route (404 right after start). */
async function remote(from: Api, to: string, service: string, path: string, body: unknown) {
  for (let i = 0; ; i++) {
    const r = await from.call<{ requestId?: string; response?: { status: number; body: Record<string, unknown> }; trace?: { hops: Hop[]; nodes: TraceNode[] }; code?: string; message?: string }>(
      'POST',
      `/v1/remote/${to}/${service}${path}`,
      body,
    );
    if (r.status !== 404 || i >= 50) return r;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Signing times must not precede the chain's latest change (a local chain runs a little ahead when busy). */
async function signingTime(v: Visit): Promise<number> {
  const block = await v.provider.getBlock('latest');
  return Math.max(Date.now(), (block?.timestamp ?? 0) * 1000 + 1);
}

const short = (hex: string) => `${hex.slice(0, 10)}…`;

/** A time as a Chinese court reads it: Beijing time (UTC+8), to the second. */
const beijing = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19)} 北京时间 Beijing time`;

interface WitnessPolicyFile {
  quorum: number;
  witnesses: { id: string; publicKey: string; code?: string }[];
}

/** The policy's witnesses by the codes stack.json gives them, in its order (a policy from the chain names ids only). */
function policyNames(v: Visit, policy: WitnessPolicyFile): string[] {
  const known = v.stack.witnesses.filter((w) => policy.witnesses.some((p) => p.id === w.id)).map((w) => w.code);
  const other = policy.witnesses.filter((p) => !v.stack.witnesses.some((w) => w.id === p.id)).map((p) => short(p.id));
  return [...known, ...other];
}

/**
 * The court's witness policy: whom it trusts to have seen the gateway's log,
 * and how many of them must have cosigned. From the chain's registry, where
 * npm start gives its witnesses the role; a stack whose contracts predate the
 * role has none there, and then the witnesses npm start wrote in stack.json
 * stand in, and the step says which it used.
 */
async function witnessPolicy(v: Visit, file: string): Promise<{ policy: WitnessPolicyFile; source: string }> {
  const quorum = v.stack.witnessQuorum;
  const exported = await evidenceCli(['witnesses', 'export', '--rpc', v.stack.rpcUrl, '--contract', v.stack.contracts.EvidenceAnchor, '--quorum', String(quorum), '--out', file]);
  if (exported.code === 0 && existsSync(file)) {
    const policy = JSON.parse(readFileSync(file, 'utf8')) as WitnessPolicyFile;
    return { policy, source: `exported from the chain's registry with evidence witnesses export / 由链上登记导出` };
  }
  const policy: WitnessPolicyFile = { quorum, witnesses: v.stack.witnesses.map(({ id, publicKey, code }) => ({ id, publicKey, code })) };
  writeFileSync(file, JSON.stringify(policy, null, 2));
  const why = (exported.stderr.trim().split('\n')[0] ?? '').slice(0, 120);
  return {
    policy,
    source: `built from stack.json's witnesses, as evidence witnesses export gave none (${why || `exit ${exported.code}`}) / 未能从链上导出见证策略，改取 stack.json`,
  };
}

export const VISIT: Step[] = [
  {
    title: '实名注册与知情同意 · Real-name registration with consent',
    label: '注册 registration',
    async run(v) {
      const now = Date.now();
      const r = await v.a.record('registration', v.patient.idNumber, {
        patientId: v.patient.patientId,
        realNameCheck: { method: 'face-recognition', result: 'passed', checkedAt: now, provider: 'ctid', reference: `CTID-${v.run}` },
        consent: { agreementId: 'AGR-ONLINE-2026', version: '3', digest: toHex(sm3(utf8(`signed agreement ${v.run}`))), signedAt: now },
      });
      v.ids.registration = r.id;
      return [`${v.a.code} recorded registration ${r.id} (patient ${v.patient.patientId}, face check passed, agreement AGR-ONLINE-2026 v3 signed)`];
    },
  },
  {
    title: '复诊资格：经路由调阅外院病历 · Follow-up eligibility from the record at another hospital',
    label: '复诊资格 follow-up',
    async run(v) {
      const r = await remote(v.a, v.b.code, 'emr.query', '/query', { patient: v.patient.patientId, scope: ['Condition', 'Observation'], idNumber: v.patient.idNumber });
      if (r.status !== 200 || !r.body.trace || !r.body.response) throw new Error(`remote EMR query: ${r.status} ${r.body.code ?? ''} ${r.body.message ?? ''}`);
      const check = verifyTrace(r.body.trace.hops, keyLookupFrom(r.body.trace.nodes), { complete: true });
      if (!check.valid) throw new Error(`the returned hop trace does not verify: ${check.message}`);
      const record = r.body.response.body as { resources: { id: string }[] };
      const decided = await v.a.record('followup-eligibility', v.patient.idNumber, {
        priorDiagnosis: { code: 'I10', system: 'ICD-10', display: '原发性高血压', diagnosedAt: Date.now() - 30 * DAY, institution: v.b.code },
        sourceRecord: { type: 'outpatient', recordId: record.resources[0]!.id, digest: toHex(sm3(jcs(record))) },
        decision: { result: 'eligible', decidedBy: 'D1001', decidedAt: Date.now() },
      });
      v.ids.eligibility = decided.id;
      const path = r.body.trace.nodes.map((n) => n.code ?? short(n.id)).join(' → ');
      return [`${v.b.code}'s EMR answered through ${path}; ${r.body.trace.hops.length} signed hops verified (request ${r.body.requestId})`, `${v.a.code} recorded follow-up eligibility ${decided.id}: eligible`];
    },
  },
  {
    title: '在线问诊 · Online consultation',
    label: '问诊 consultation',
    async run(v) {
      const start = Date.now() - 600_000;
      const r = await v.a.record('consultation', v.patient.idNumber, {
        consultationId: `WZ-${v.run}`,
        mode: 'video',
        practitioner: 'D1001',
        startedAt: start,
        endedAt: Date.now(),
        digests: [
          { type: 'video', sm3: toHex(sm3(utf8(`video ${v.run}`))), size: 10_485_760 },
          { type: 'summary', sm3: toHex(sm3(utf8(`summary ${v.run}`))) },
        ],
      });
      v.ids.consultation = r.id;
      return [`${v.a.code} recorded consultation WZ-${v.run} (${r.id}): video and summary by digest`];
    },
  },
  {
    title: '医生开具电子处方并签名 · Prescription signed by the doctor',
    label: '处方 prescription',
    async run(v) {
      const digest = toHex(sm3(utf8(`prescription document ${v.run}`)));
      v.ids.rxDigest = digest;
      const issued = await v.a.record('prescription', v.patient.idNumber, {
        prescriptionId: `RX-${v.run}`,
        state: 'issued',
        at: Date.now(),
        actor: 'D1001',
        actorRole: 'doctor',
        contentDigest: digest,
        items: [{ drugCode: 'X-C09AA-001', quantity: 2, unit: '盒' }],
      });
      const signed = await v.a.record('signature', v.patient.idNumber, {
        signer: 'D1001',
        role: 'doctor',
        documentType: 'prescription',
        documentId: `RX-${v.run}`,
        documentDigest: digest,
        signedAt: Date.now(),
        algorithm: 'sm2',
      });
      v.ids.prescription = issued.id;
      v.ids.doctorSignature = signed.id;
      return [`${v.a.code} recorded prescription RX-${v.run} issued (${issued.id}) and the doctor's SM2 signature (${signed.id})`];
    },
  },
  {
    title: '外院药师审核（核验执业资格）· Review by a pharmacist of another institution, credential checked',
    label: '药师审核 review',
    async run(v) {
      const pharmacist = { practitionerId: `PH-${v.run}`, credentialType: 'pharmacist-license', number: `PH${v.b.code}-${v.run}`, issuer: '浙江省药品监督管理局' };
      const issued = await v.b.expect<{ credentialId: string; tx: { txHash: string } }>(201, 'POST', '/v1/credentials', {
        ...pharmacist,
        role: 'pharmacist',
        validUntil: Date.now() + 365 * DAY,
      });
      const review = async () =>
        remote(v.b, v.a.code, 'rx.review', '/review', {
          prescription: { evidenceId: v.ids.prescription, prescriptionId: `RX-${v.run}` },
          pharmacist: { practitionerId: pharmacist.practitionerId, credentialNumber: pharmacist.number },
          decision: 'reviewed',
          documentDigest: v.ids.rxDigest,
          signedAt: await signingTime(v),
          algorithm: 'sm2',
        });
      const ok = await review();
      const answer = ok.body.response?.body as { recorded?: { signature: string; prescription: string } } | undefined;
      if (ok.status !== 201 || !answer?.recorded) throw new Error(`review with an active credential: ${ok.status} ${JSON.stringify(ok.body.response?.body ?? ok.body)}`);
      v.ids.pharmacistSignature = answer.recorded.signature;
      v.ids.reviewed = answer.recorded.prescription;

      // The same pharmacist once the credential is suspended: A must refuse to record the signature.
      await v.b.expect(200, 'POST', '/v1/credentials/suspend', { ...pharmacist, reason: '演示：暂停执业 / demo suspension' });
      const refused = await review();
      const code = (refused.body.response?.body as { code?: string } | undefined)?.code;
      if (refused.status !== 403 || code !== 'CREDENTIAL_NOT_ACTIVE') throw new Error(`review after suspension was not refused: ${refused.status} ${code}`);
      return [
        `${v.b.code}'s admin issued credential ${pharmacist.number} on chain (tx ${short(issued.tx.txHash)})`,
        `${v.a.code} checked it on chain and recorded the pharmacist's review signature ${answer.recorded.signature} and state reviewed ${answer.recorded.prescription}`,
        `after ${v.b.code} suspended the credential, ${v.a.code} refused the next review: 403 CREDENTIAL_NOT_ACTIVE (only its signed trace recorded)`,
      ];
    },
  },
  {
    title: '缴费 · Payment',
    label: '缴费 payment',
    async run(v) {
      const r = await v.a.record('payment', v.patient.idNumber, {
        transactionId: `PAY-${v.run}`,
        type: 'payment',
        amount: '86.40',
        currency: 'CNY',
        status: 'succeeded',
        method: 'wechat',
        orderId: `RX-${v.run}`,
        at: Date.now(),
      });
      v.ids.payment = r.id;
      return [`${v.a.code} recorded payment PAY-${v.run} of CNY 86.40 (${r.id})`];
    },
  },
  {
    title: '患者授权保险公司 · The patient consents to share with an insurer',
    label: '授权 consent',
    async run(v) {
      const now = Date.now();
      const r = await v.a.record('consent', v.patient.idNumber, {
        action: 'grant',
        grantee: 'INS-DEMO',
        granteeType: 'insurer',
        scope: ['prescription', 'payment'],
        purpose: '理赔审核 / claim review',
        at: now,
        expiresAt: now + 90 * DAY,
        ext: { granteeAccount: v.insurer.address },
      });
      v.ids.consent = r.id;
      await v.a.proof(r.id); // the registry accepts only an anchored consent
      const grant = await v.a.expect<{ tx: { txHash: string } }>(201, 'POST', '/v1/consents/grants', {
        evidenceId: r.id,
        grantee: v.insurer.address,
        kinds: ['prescription', 'payment'],
      });
      return [`${v.a.code} recorded the consent (${r.id}), anchored it and wrote the grant to ConsentRegistry (tx ${short(grant.tx.txHash)})`];
    },
  },
  {
    title: '保险理赔链上核验 · The insurer’s claim verified on chain',
    label: '理赔 claim',
    async run(v) {
      await setInsurerPolicy({ signer: v.governor, address: v.stack.contracts.ClaimVerifier }, { insurer: v.insurer.address, requiredKinds: ['prescription'] });
      for (const id of [v.ids.prescription!, v.ids.payment!]) await v.a.proof(id);
      const a = v.stack.gateways[0]!;
      const pkg = await requestClaimPackage({ gatewayUrl: a.url, token: a.token, signer: v.insurer, evidenceIds: [v.ids.prescription!, v.ids.payment!] });
      const file = join(v.dir, 'claim-package.json');
      writeFileSync(file, JSON.stringify(pkg, null, 2));
      const r = await evidenceCli(['claim', 'submit', file, '--rpc', v.stack.rpcUrl, '--contract', v.stack.contracts.ClaimVerifier, '--key', localAccounts()[11]!.privateKey, '--json']);
      const verdict = JSON.parse(r.stdout || '{}') as { verified?: boolean; txHash?: string; reason?: string };
      if (r.code !== 0 || !verdict.verified) throw new Error(`evidence claim submit exited ${r.code}: ${verdict.reason ?? r.stderr}`);
      return [
        `the insurer (${short(v.insurer.address)}) got a package of ${pkg.items.length} disclosed items with proofs, consent active on chain`,
        `evidence claim submit: ClaimVerifier verified claim ${short(pkg.claim.claimId)} (tx ${short(verdict.txHash!)})`,
      ];
    },
  },
  {
    title: '法院离线核验证明包 · A court verifies a bundle offline with the CLI',
    label: '法院 court',
    async run(v) {
      const bundle = await v.a.proof(v.ids.pharmacistSignature!, true);
      const file = join(v.dir, 'pharmacist-signature.bundle.json');
      writeFileSync(file, JSON.stringify(bundle, null, 2));
      const offline = await evidenceCli(['verify', file, '--json']);
      const line = JSON.parse(offline.stdout || '{}') as { valid?: boolean; message?: string };
      if (offline.code !== 0 || !line.valid) throw new Error(`evidence verify exited ${offline.code}: ${line.message ?? offline.stderr}`);
      const online = await evidenceCli(['verify', file, '--rpc', v.stack.rpcUrl, '--contract', v.stack.contracts.EvidenceAnchor, '--json']);
      const anchored = JSON.parse(online.stdout || '{}') as { valid?: boolean; message?: string };
      if (online.code !== 0 || !anchored.valid) throw new Error(`evidence verify --rpc exited ${online.code}: ${anchored.message ?? online.stderr}`);
      const log = (bundle as { log?: { checkpoint: { size: number; ts: number }; inclusion: { index: number }; cosignatures: { witness: string; ts: number }[] } }).log;
      if (!log) throw new Error('the gateway served a bundle without its batch log (evidence-proof/2 expected)');

      // Who else saw this checkpoint, and the court's policy of whom it trusts to have seen it.
      const name = (id: string) => v.stack.witnesses.find((w) => w.id === id)?.code ?? short(id);
      const cosigned = log.cosignatures.map((c) => `cosigned by ${name(c.witness)} at ${beijing(c.ts)} / ${name(c.witness)} 联署`);
      const policyFile = join(v.dir, 'witness-policy.json');
      const { policy, source } = await witnessPolicy(v, policyFile);
      const witnessed = await evidenceCli(['verify', file, '--witnesses', policyFile, '--json']);
      const tally = JSON.parse(witnessed.stdout || '{}') as { valid?: boolean; message?: string; witnesses?: { quorum: number; trusted: string[] } };
      if (witnessed.code !== 0 || !tally.valid || !tally.witnesses) {
        throw new Error(`evidence verify --witnesses exited ${witnessed.code}: ${tally.message ?? witnessed.stderr} (${log.cosignatures.length} cosignatures: ${cosigned.join('; ')})`);
      }
      // One transaction anchors every batch closed since the previous checkpoint.
      const { checkpoints } = await v.a.expect<{ checkpoints: { checkpoint: { size: number } }[] }>(200, 'GET', '/v1/log/checkpoints?limit=1000');
      const spans = checkpoints.map((c, i) => c.checkpoint.size - (i === 0 ? 0 : checkpoints[i - 1]!.checkpoint.size));
      const widest = Math.max(...spans);
      return [
        `evidence verify (offline): disclosure, leaf, inclusion, SM2 batch signature, batch ${log.inclusion.index} in the batch log, SM2 checkpoint signature all pass`,
        `the bundle names checkpoint ${log.checkpoint.size} of ${v.a.code}'s log (batches 0..${log.checkpoint.size - 1}, signed ${beijing(log.checkpoint.ts)})`,
        ...cosigned,
        `witness policy / 见证策略: ${policyNames(v, policy).join(', ')}, quorum ${policy.quorum}; ${source}`,
        `evidence verify --witnesses: ${tally.witnesses.trusted.length} trusted cosignatures (${tally.witnesses.trusted.map(name).join(', ')}) meet the quorum of ${tally.witnesses.quorum} / 受信联署达到法定数`,
        `${checkpoints.length} checkpoint transactions anchor ${checkpoints.at(-1)?.checkpoint.size ?? 0} batches of ${v.a.code}; the widest covered ${widest} batches in one transaction / 一笔交易最多覆盖 ${widest} 个批次`,
        `evidence verify --rpc: ${anchored.message}`,
        `the same file can be dropped into the verification page: ${v.a.url}/verify`,
      ];
    },
  },
  {
    title: '监管审计 · The regulator’s audit',
    label: '审计 audit',
    async run(v) {
      const facts: string[] = [];
      for (const g of v.stack.gateways.slice(0, 2)) {
        const r = await evidenceCli(['audit', '--gateway', g.code, '--rpc', v.stack.rpcUrl, '--contract', v.stack.contracts.EvidenceAnchor, '--gateway-url', g.url, '--token', g.token, '--json']);
        const report = JSON.parse(r.stdout || '{}') as { ok?: boolean; anchored?: number; closed?: number; findings?: { type: string; seq: number; severity: string }[] };
        if (r.code !== 0 || !report.ok) throw new Error(`evidence audit ${g.code} exited ${r.code}: ${JSON.stringify(report.findings ?? r.stderr)}`);
        const pending = report.findings?.filter((f) => f.severity === 'warning').length ?? 0;
        facts.push(`evidence audit ${g.code}: ${report.anchored} batches anchored, ${report.closed} closed, seq/prev chain and every signature checked, no gap, fork or bad signature${pending ? ` (${pending} just closed, anchoring)` : ''}`);
      }
      return facts;
    },
  },
];
