import { describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import { parseTrustPolicy, TRUST_FORMAT } from './policy.js';
import { TrustPolicyError } from './errors.js';

const k1 = generateSm2KeyPair().publicKey;
const k2 = generateSm2KeyPair().publicKey;
const gw = 'aa'.repeat(32);
const node = 'bb'.repeat(32);

const good = () => ({
  format: TRUST_FORMAT,
  issuer: '某省卫生健康委员会',
  chains: { evm: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } },
  institutions: [{ code: 'H330100001', name: '某某互联网医院', gateway: gw, keys: [{ publicKey: k1, fromSeq: 0, toSeq: 9 }, { publicKey: k2, fromSeq: 10, toSeq: null }] }],
  nodes: [{ code: 'RN-HZ-01', name: '杭州路由节点', id: node, keys: [{ publicKey: k1, fromTime: 0 }] }],
  witnesses: { quorum: 1, witnesses: [{ id: node, publicKey: k2, code: 'RN-HZ-01' }] },
});

function refusal(mutate: (p: ReturnType<typeof good>) => unknown): TrustPolicyError {
  const p = good();
  const input = mutate(p) ?? p;
  try {
    parseTrustPolicy(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TrustPolicyError);
    return e as TrustPolicyError;
  }
  throw new Error('the policy was accepted');
}

describe('parseTrustPolicy (evidence-trust/1)', () => {
  it('reads a policy from text or value, lower-casing the contract', () => {
    const p = parseTrustPolicy(JSON.stringify(good()));
    expect(p.chains.evm!.contract).toBe('0x5fbdb2315678afecb367f032d93f642f64180aa3');
    expect(p.institutions[0]!.keys.map((k) => [k.fromSeq, k.toSeq])).toEqual([[0, 9], [10, null]]);
    expect(p.witnesses.quorum).toBe(1);
    expect(parseTrustPolicy({ format: TRUST_FORMAT, institutions: [] })).toMatchObject({ nodes: [], witnesses: { quorum: 0, witnesses: [] }, chains: {} });
  });

  it.each([
    ['not JSON', () => '{', 'TRUST_NOT_JSON', ''],
    ['another format', (p: ReturnType<typeof good>) => ({ ...p, format: 'evidence-trust/2' }), 'TRUST_FORMAT', 'format'],
    ['an uppercase gateway id', (p: ReturnType<typeof good>) => void (p.institutions[0]!.gateway = gw.toUpperCase()), 'TRUST_ID', 'institutions[0].gateway'],
    ['a key off the curve', (p: ReturnType<typeof good>) => void (p.institutions[0]!.keys[0]!.publicKey = '04' + '00'.repeat(64)), 'TRUST_KEY', 'institutions[0].keys[0].publicKey'],
    ['overlapping seq ranges', (p: ReturnType<typeof good>) => void (p.institutions[0]!.keys[0]!.toSeq = 10), 'TRUST_KEY_RANGE', 'institutions[0].keys[1]'],
    ['an open range before another', (p: ReturnType<typeof good>) => void ((p.institutions[0]!.keys[0] as { toSeq: number | null }).toSeq = null), 'TRUST_KEY_RANGE', 'institutions[0].keys[1]'],
    ['a range running backwards', (p: ReturnType<typeof good>) => void (p.institutions[0]!.keys = [{ publicKey: k1, fromSeq: 5, toSeq: 4 }]), 'TRUST_KEY_RANGE', 'institutions[0].keys[0].toSeq'],
    ['an institution without keys', (p: ReturnType<typeof good>) => void (p.institutions[0]!.keys = []), 'TRUST_KEY', 'institutions[0].keys'],
    ['an institution listed twice', (p: ReturnType<typeof good>) => void p.institutions.push(p.institutions[0]!), 'TRUST_DUPLICATE', 'institutions'],
    ['a contract that is not an address', (p: ReturnType<typeof good>) => void (p.chains.evm.contract = '0x12'), 'TRUST_CHAIN', 'chains.evm.contract'],
    ['an RPC URL that is not http', (p: ReturnType<typeof good>) => void (p.chains.evm.rpcUrl = 'file:///etc/passwd'), 'TRUST_CHAIN', 'chains.evm.rpcUrl'],
    ['a quorum no one can meet', (p: ReturnType<typeof good>) => void (p.witnesses.quorum = 2), 'TRUST_WITNESSES', 'witnesses'],
    ['node keys out of time order', (p: ReturnType<typeof good>) => void p.nodes[0]!.keys.push({ publicKey: k2, fromTime: 0 }), 'TRUST_KEY_RANGE', 'nodes[0].keys[1].fromTime'],
  ])('refuses %s with its code and member', (_name, mutate, code, where) => {
    const e = refusal(mutate as never);
    expect(e.code).toBe(code);
    expect(e.where).toBe(where);
    expect(e.message).toMatch(/^信任策略无效 invalid trust policy/);
  });

  it('reads a Fabric chain with a plaintext peer (tlsCaPath null)', () => {
    const p = parseTrustPolicy({ ...good(), chains: { fabric: { peerEndpoint: 'peer0:7051', channel: 'evidence', chaincode: 'anchor', tlsCaPath: null, mspId: 'Org1MSP' } } });
    expect(p.chains.fabric).toEqual({ peerEndpoint: 'peer0:7051', channel: 'evidence', chaincode: 'anchor', tlsCaPath: null, mspId: 'Org1MSP' });
    expect(() => parseTrustPolicy({ ...good(), chains: { fabric: { peerEndpoint: 'no port', channel: 'c', chaincode: 'a', tlsCaPath: null } } })).toThrow(/peerEndpoint/);
  });
});
