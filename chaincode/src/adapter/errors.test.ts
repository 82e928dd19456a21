/**
 * What the fabric-gateway client throws, mapped to EvidenceError codes: the
 * chaincode's refusal wherever the gateway put it (details on submit, message
 * on evaluate), commit invalidation, and outages.
 */
import { describe, expect, it } from 'vitest';
import { Metadata, status } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode, type SubmitError } from '@hyperledger/fabric-gateway';
import { EvidenceError } from '@evidence/core';
import { ChaincodeRefusalError, DOMAINS, findRefusal, toEvidenceError } from './errors.js';

const cause = (code: number) => Object.assign(new Error('grpc'), { code, details: 'grpc', metadata: new Metadata() });
const detail = (message: string) => ({ address: 'peer0.org1.example.com:7051', mspId: 'Org1MSP', message });
const endorse = (message: string) =>
  new EndorseError({
    code: status.ABORTED,
    details: [detail(message)],
    cause: cause(status.ABORTED),
    transactionId: 'tx1',
    message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
  });

describe('toEvidenceError', () => {
  it('reads the refusal from the endorsement details of a submit', () => {
    const e = toEvidenceError(endorse('chaincode response 500, ANCHOR_FORK: prev of seq 2 must be ab'), DOMAINS.anchor, 'anchor:Anchor');
    expect(e).toBeInstanceOf(ChaincodeRefusalError);
    expect(e).toMatchObject({ code: 'ANCHOR_FORK', reason: 'ANCHOR_FORK' });
    expect(e.message).toBe('ANCHOR_FORK: anchor:Anchor: prev of seq 2 must be ab');
    expect(e.cause).toBeInstanceOf(EndorseError);
  });

  it('reads the refusal from the message of an evaluate', () => {
    const g = new GatewayError({
      code: status.UNKNOWN,
      details: [],
      cause: cause(status.UNKNOWN),
      message: '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, EVIDENCE_BAD_HEX: gateway must be lowercase hex without 0x',
    });
    expect(toEvidenceError(g, DOMAINS.anchor, 'anchor:LatestBatch')).toMatchObject({ code: 'EVIDENCE_BAD_HEX' });
  });

  it("gives registry, consent, claim and credential refusals their domain's code and keeps the reason", () => {
    expect(toEvidenceError(endorse('chaincode response 500, CLAIM_NO_CONSENT: no consent'), DOMAINS.claims, 'x')).toMatchObject({ code: 'CLAIM_REJECTED', reason: 'CLAIM_NO_CONSENT' });
    expect(toEvidenceError(endorse('chaincode response 500, CONSENT_EXPIRED: late'), DOMAINS.consent, 'x')).toMatchObject({ code: 'CONSENT_REJECTED' });
    expect(toEvidenceError(endorse('chaincode response 500, CREDENTIAL_BAD_ROLE: no'), DOMAINS.credentials, 'x')).toMatchObject({ code: 'CREDENTIAL_REJECTED' });
    expect(toEvidenceError(endorse('chaincode response 500, REGISTRY_UNAUTHORIZED: no'), DOMAINS.registry, 'x')).toMatchObject({ code: 'ANCHOR_UNAUTHORIZED' });
    expect(toEvidenceError(endorse('chaincode response 500, REGISTRY_DUPLICATE: again'), DOMAINS.registry, 'x')).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(toEvidenceError(endorse('chaincode response 500, CHAINCODE_INTERNAL: boom'), DOMAINS.claims, 'x')).toMatchObject({ code: 'CLAIM_REJECTED', reason: 'CHAINCODE_INTERNAL' });
  });

  it('does not take an unknown CODE-like word for a refusal', () => {
    expect(findRefusal(endorse('chaincode response 500, SOME_OTHER_THING: text'))).toBeNull();
    const e = toEvidenceError(endorse('chaincode response 500, SOME_OTHER_THING: text'), DOMAINS.anchor, 'anchor:Anchor');
    expect(e).not.toBeInstanceOf(ChaincodeRefusalError);
    expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(e.message).toContain('SOME_OTHER_THING');
  });

  it('reports a dispatch failure (no code) as rejected with the peer text', () => {
    const e = toEvidenceError(endorse('chaincode response 500, Expected 2 parameters, but 1 have been supplied'), DOMAINS.anchor, 'anchor:Anchor');
    expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(e.message).toContain('Expected 2 parameters');
  });

  it('reports a transaction invalidated at commit as rejected, naming the status', () => {
    const c = new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: 'tx9', message: 'Transaction tx9 failed to commit with status code 11 (MVCC_READ_CONFLICT)' });
    const e = toEvidenceError(c, DOMAINS.anchor, 'anchor:Anchor');
    expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(e.message).toMatch(/tx9.*MVCC_READ_CONFLICT/);
  });

  it('reports an unknown commit status, an orderer failure and unreachable peers as unavailable', () => {
    const commitStatus = new CommitStatusError({ code: status.DEADLINE_EXCEEDED, details: [], cause: cause(status.DEADLINE_EXCEEDED), transactionId: 'tx2', message: 'deadline' });
    expect(toEvidenceError(commitStatus, DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    expect(toEvidenceError(commitStatus, DOMAINS.anchor, 'a').message).toMatch(/check the ledger before retrying/);
    const submit = Object.assign(new GatewayError({ code: status.UNAVAILABLE, details: [], cause: cause(status.UNAVAILABLE), message: 'orderer down' }), { name: 'SubmitError', transactionId: 'tx3' }) as SubmitError;
    expect(toEvidenceError(submit, DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED, status.RESOURCE_EXHAUSTED]) {
      const g = new GatewayError({ code, details: [], cause: cause(code), message: `${code} no connection` });
      expect(toEvidenceError(g, DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
      expect(toEvidenceError(g, DOMAINS.claims, 'a')).toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    }
    expect(toEvidenceError(new Error('ECONNREFUSED'), DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    expect(toEvidenceError('a string', DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
  });

  it('rejects (does not retry) other gateway failures such as an unknown creator', () => {
    const g = new GatewayError({ code: status.ABORTED, details: [detail('access denied: channel [evidence] creator org unknown')], cause: cause(status.ABORTED), message: '10 ABORTED' });
    const e = toEvidenceError(g, DOMAINS.anchor, 'anchor:Anchor');
    expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(e.message).toContain('access denied');
  });

  it('passes EvidenceErrors through', () => {
    const original = new EvidenceError('EVIDENCE_BAD_LENGTH', 'x');
    expect(toEvidenceError(original, DOMAINS.anchor, 'a')).toBe(original);
  });
});
