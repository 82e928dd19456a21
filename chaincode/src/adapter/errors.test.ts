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

  it('reports a transaction that lost a race at commit (MVCC or phantom conflict) as unavailable, naming the status', () => {
    // Two submits of one anchoring: both endorsed against the same head, the second invalidated at validation.
    // Its content was not refused, so the caller re-reads the chain and decides; a retry after that may pass.
    for (const [code, name] of [
      [StatusCode.MVCC_READ_CONFLICT, 'MVCC_READ_CONFLICT'],
      [StatusCode.PHANTOM_READ_CONFLICT, 'PHANTOM_READ_CONFLICT'],
    ] as const) {
      const c = new CommitError({ code, transactionId: 'tx9', message: `Transaction tx9 failed to commit with status code ${code} (${name})` });
      const e = toEvidenceError(c, DOMAINS.anchor, 'anchor:AnchorCheckpoint');
      expect(e).not.toBeInstanceOf(ChaincodeRefusalError);
      expect(e).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
      expect(e.message).toMatch(new RegExp(`tx9.*read the ledger before retrying.*${name}`));
      expect(toEvidenceError(c, DOMAINS.claims, 'claims:SubmitClaim')).toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    }
  });

  it('reports other invalidations at commit (endorsement policy) as rejected, naming the status', () => {
    const c = new CommitError({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 'tx8', message: 'Transaction tx8 failed to commit with status code 10 (ENDORSEMENT_POLICY_FAILURE)' });
    const e = toEvidenceError(c, DOMAINS.anchor, 'anchor:Anchor');
    expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(e.message).toMatch(/tx8.*ENDORSEMENT_POLICY_FAILURE/);
  });

  it('reports a chaincode server that is down (ABORTED, "could not launch chaincode") as unavailable, not rejected', () => {
    // What a Fabric 2.5 peer returns when the chaincode-as-a-service server does not answer: a 500 the peer made
    // itself (no chaincode payload), which its gateway service sends back as ABORTED with the peer's text.
    const ccid = `anchor_1.0:${'ab'.repeat(32)}`;
    const down =
      `error in simulation: failed to execute transaction ${'cd'.repeat(32)}: could not launch chaincode ${ccid}: ` +
      `connection to ${ccid} failed: error cannot create connection for ${ccid}: error creating grpc connection to evidence-chaincode:9999: ` +
      'failed to create new connection: connection error: desc = "transport: error while dialing: dial tcp 10.0.0.7:9999: connect: connection refused"';
    const submitted = toEvidenceError(endorse(down), DOMAINS.anchor, 'anchor:AnchorCheckpoint');
    expect(submitted).not.toBeInstanceOf(ChaincodeRefusalError);
    expect(submitted).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    expect(submitted.message).toContain('could not launch chaincode');
    // An evaluate tries every peer of the plan, then fails with the same status and each peer's text in the details.
    const evaluated = new GatewayError({
      code: status.ABORTED,
      details: [detail(down), { ...detail(down), address: 'peer1.org1.example.com:7051' }],
      cause: cause(status.ABORTED),
      message: '10 ABORTED: failed to evaluate transaction, see attached details for more info',
    });
    expect(toEvidenceError(evaluated, DOMAINS.anchor, 'anchor:LatestCheckpoint')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    expect(toEvidenceError(evaluated, DOMAINS.consent, 'consent:GetConsent')).toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    // A chaincode process that went away in the middle of a transaction, or that did not start in time.
    const crashed = toEvidenceError(endorse(`error in simulation: failed to execute transaction abc: chaincode stream terminated`), DOMAINS.anchor, 'a');
    expect(crashed).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
    const slow = `error in simulation: failed to execute transaction abc: could not launch chaincode ${ccid}: timeout expired while starting chaincode ${ccid} for transaction`;
    expect(toEvidenceError(endorse(slow), DOMAINS.anchor, 'a')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
  });

  it('reports a refused proposal timestamp (CHAINCODE_BAD_TIMESTAMP) as unavailable, with the code in the message', () => {
    const skew = 'chaincode response 500, CHAINCODE_BAD_TIMESTAMP: the proposal timestamp is -600000 ms from this peer\'s clock, beyond the 300000 ms it accepts';
    const e = toEvidenceError(endorse(skew), DOMAINS.anchor, 'anchor:AnchorCheckpoint');
    expect(e).toBeInstanceOf(ChaincodeRefusalError);
    expect(e).toMatchObject({ code: 'ANCHOR_UNAVAILABLE', reason: 'CHAINCODE_BAD_TIMESTAMP' });
    expect(e.message).toMatch(/^CHAINCODE_BAD_TIMESTAMP: anchor:AnchorCheckpoint: the proposal timestamp/);
    expect(toEvidenceError(endorse(skew), DOMAINS.claims, 'claims:SubmitClaim')).toMatchObject({ code: 'CHAIN_UNAVAILABLE', reason: 'CHAINCODE_BAD_TIMESTAMP' });
    const evaluated = new GatewayError({ code: status.UNKNOWN, details: [], cause: cause(status.UNKNOWN), message: `2 UNKNOWN: evaluate call to endorser returned error: ${skew}` });
    expect(toEvidenceError(evaluated, DOMAINS.anchor, 'anchor:LatestCheckpoint')).toMatchObject({ code: 'ANCHOR_UNAVAILABLE' });
  });

  it('keeps the checkpoint refusals as refusals: their own codes, and CHECKPOINT_BAD_TIME as expired (sign a fresh one)', () => {
    for (const code of ['ANCHOR_STALE_CHECKPOINT', 'ANCHOR_INCONSISTENT', 'ANCHOR_BAD_SIGNATURE', 'ANCHOR_BAD_ALG']) {
      expect(toEvidenceError(endorse(`chaincode response 500, ${code}: no`), DOMAINS.anchor, 'anchor:AnchorCheckpoint')).toMatchObject({ code, reason: code });
    }
    expect(toEvidenceError(endorse('chaincode response 500, CHECKPOINT_BAD_TIME: too old'), DOMAINS.anchor, 'x')).toMatchObject({
      code: 'ANCHOR_CHECKPOINT_EXPIRED',
      reason: 'CHECKPOINT_BAD_TIME',
    });
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
