import type { Context } from '../fabric.js';
import { hexArg, jsonArg, nameArg, objectArg, textArg, uintArg, uintField } from '../ledger/args.js';
import {
  CREDENTIAL_ROLE_NAMES,
  isCredentialRole,
  statusAt,
  TRANSITIONS,
  type LedgerCredential,
} from '../ledger/credentials.js';
import { refuse } from '../ledger/errors.js';
import { requireGatewayCaller } from '../ledger/registry.js';
import { emit, key, KEY, now, readJson, result, scan, writeJson } from '../ledger/state.js';
import { EvidenceContract } from './base.js';
import { declareContract, evaluate, submit } from './transaction.js';

const EVENTS = { suspend: 'CredentialSuspended', reinstate: 'CredentialReinstated', revoke: 'CredentialRevoked' } as const;

/**
 * Practitioner credentials, so that institutions recognise each other's doctors
 * and pharmacists. An institution issues, suspends, reinstates and revokes its
 * own credentials through its gateway's identity; anyone reads a credential's
 * status at any time.
 */
export class CredentialsContract extends EvidenceContract {
  constructor() {
    super('credentials');
  }

  /** Issues {id, issuer, practitioner, role, licenceDigest, validFrom, validUntil}; the caller must be the issuer's identity. */
  async IssueCredential(ctx: Context, credential: string): Promise<string> {
    const c = objectArg(jsonArg(credential, 'credential'), 'credential', [
      'id',
      'issuer',
      'practitioner',
      'role',
      'licenceDigest',
      'validFrom',
      'validUntil',
    ]);
    const id = nameArg(c.id, 'credential.id');
    const issuer = hexArg(c.issuer, 32, 'credential.issuer');
    const role: unknown = c.role;
    if (!isCredentialRole(role)) refuse('CREDENTIAL_BAD_ROLE', `credential.role must be one of ${CREDENTIAL_ROLE_NAMES.join(', ')}`);
    const validFrom = uintField(c.validFrom, 'credential.validFrom');
    const validUntil = uintField(c.validUntil, 'credential.validUntil');
    if (validUntil <= validFrom) refuse('CREDENTIAL_BAD_WINDOW', 'credential.validUntil must be after credential.validFrom');
    await requireGatewayCaller(ctx, issuer, 'CREDENTIAL_UNAUTHORIZED');
    if (await readJson(ctx, key(ctx, KEY.credential, [id]))) refuse('CREDENTIAL_DUPLICATE', `credential ${id} is already issued`);

    const record: LedgerCredential = {
      id,
      issuer,
      practitioner: hexArg(c.practitioner, 32, 'credential.practitioner'),
      role,
      licenceDigest: hexArg(c.licenceDigest, 32, 'credential.licenceDigest'),
      validFrom,
      validUntil,
      issuedAt: now(ctx),
      status: 'active',
      history: [],
    };
    await writeJson(ctx, key(ctx, KEY.credential, [id]), record);
    await writeJson(ctx, key(ctx, KEY.practitioner, [record.practitioner, id]), { issuer });
    emit(ctx, 'CredentialIssued', { id, issuer, practitioner: record.practitioner, role, validFrom, validUntil });
    return result(record);
  }

  async SuspendCredential(ctx: Context, id: string, reason: string): Promise<string> {
    return this.change(ctx, 'suspend', id, reason);
  }

  async ReinstateCredential(ctx: Context, id: string, reason: string): Promise<string> {
    return this.change(ctx, 'reinstate', id, reason);
  }

  async RevokeCredential(ctx: Context, id: string, reason: string): Promise<string> {
    return this.change(ctx, 'revoke', id, reason);
  }

  /** The credential with its status now, or null. */
  async GetCredential(ctx: Context, id: string): Promise<string> {
    const record = await readJson<LedgerCredential>(ctx, key(ctx, KEY.credential, [nameArg(id, 'id')]));
    return result(record ? { ...record, statusNow: statusAt(record, now(ctx)) } : null);
  }

  /** The credential's status at time `at` (ms since the epoch); "unknown" when it was never issued. */
  async CredentialStatusAt(ctx: Context, id: string, at: string): Promise<string> {
    const record = await readJson<LedgerCredential>(ctx, key(ctx, KEY.credential, [nameArg(id, 'id')]));
    const t = uintArg(at, 'at');
    if (!record) return result({ id, at: t, status: 'unknown' });
    return result({ id: record.id, at: t, status: statusAt(record, t), role: record.role, issuer: record.issuer, practitioner: record.practitioner });
  }

  /** Every credential of a practitioner, each with its status now. */
  async ListCredentials(ctx: Context, practitioner: string): Promise<string> {
    const t = now(ctx);
    const out: (LedgerCredential & { statusNow: string })[] = [];
    for await (const entry of scan(ctx, KEY.practitioner, [hexArg(practitioner, 32, 'practitioner')])) {
      const record = await readJson<LedgerCredential>(ctx, key(ctx, KEY.credential, [entry.attributes[1]!]));
      if (record) out.push({ ...record, statusNow: statusAt(record, t) });
    }
    return result(out);
  }

  private async require(ctx: Context, id: string): Promise<LedgerCredential> {
    const record = await readJson<LedgerCredential>(ctx, key(ctx, KEY.credential, [nameArg(id, 'id')]));
    if (!record) refuse('CREDENTIAL_UNKNOWN', `credential ${id} is not issued`);
    return record;
  }

  private async change(ctx: Context, action: keyof typeof TRANSITIONS, id: string, reason: string): Promise<string> {
    const record = await this.require(ctx, id);
    await requireGatewayCaller(ctx, record.issuer, 'CREDENTIAL_UNAUTHORIZED');
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(record.status)) refuse('CREDENTIAL_BAD_TRANSITION', `cannot ${action} a credential that is ${record.status}`);
    const change = { status: rule.to, at: now(ctx), reason: textArg(reason, 'reason', 512), txId: ctx.stub.getTxID() };
    const next: LedgerCredential = { ...record, status: rule.to, history: [...record.history, change] };
    await writeJson(ctx, key(ctx, KEY.credential, [id]), next);
    emit(ctx, EVENTS[action], { id, issuer: record.issuer, status: rule.to, at: change.at });
    return result(next);
  }
}

declareContract(CredentialsContract, { title: 'Practitioner credentials', description: 'Issue, suspend, reinstate, revoke; status at a time' }, {
  IssueCredential: submit('credential'),
  SuspendCredential: submit('id', 'reason'),
  ReinstateCredential: submit('id', 'reason'),
  RevokeCredential: submit('id', 'reason'),
  GetCredential: evaluate('id'),
  CredentialStatusAt: evaluate('id', 'at'),
  ListCredentials: evaluate('practitioner'),
});
