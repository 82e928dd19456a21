/**
 * Fabric benchmarks (issue: Fabric anchoring): what the chaincode's
 * transactions cost on the in-memory peer, each beside a baseline measured in
 * the same run: the bare core computation the transaction must do (so the ratio
 * is the cost of dispatch, identity, JSON and state), and the same transaction
 * through the chaincode-as-a-service protocol and through fabric-gateway with TLS.
 * Checkpoint anchoring (spec section 11) is timed at several log sizes beside
 * the per-batch Anchor of the same run.
 *   npm run bench -- fabric
 *   BENCH_QUICK=1 npm run bench -- fabric     fewer iterations
 * Runs the chaincode from its sources, as the runner loads every workspace
 * package (--conditions=source); its contracts need no decorator settings.
 */

// The chaincode server (fabric-shim) first, then the adapter (fabric-gateway): see chaincode/src/ccaas/index.ts.
const { startChaincodeServer } = await import('@evidence/chaincode/server');
const chaincode = await import('@evidence/chaincode');
const testing = await import('@evidence/chaincode/testing');
const core = await import('@evidence/core');

const {
  consistencyRanges,
  encodeLeaf,
  foldNodes,
  fromHex,
  hashChildren,
  hashFor,
  headerHash,
  jcsString,
  leafHash,
  MerkleTree,
  rangeNodes,
  signCheckpoint,
  signHeader,
  sm3,
  toHex,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyHeaderSignature,
  verifyInclusion,
  ZERO32,
} = core;
type Leaf = import('@evidence/core').Leaf;
type BatchHeader = import('@evidence/core').BatchHeader;

const quick = process.env.BENCH_QUICK === '1';
const rows: Record<string, string>[] = [];

/** Median time per call (µs) of `n` sequential calls after a warm-up. */
async function perCall(fn: (i: number) => Promise<unknown> | unknown, n: number): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]! * 1000;
}

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
function row(what: string, ours: string, oursUs: number, baseline: string, baseUs: number): void {
  rows.push({ what, ours: fmt(oursUs), impl: ours, baseline: fmt(baseUs), 'baseline impl': baseline, 'ours / baseline': `${(oursUs / baseUs).toFixed(1)}×` });
}

const N = quick ? 60 : 300;
/** The per-batch Anchor in process, measured first: the reference of the checkpoint rows. */
let perBatchAnchorUs = NaN;
let leafNo = 0;
const leaf = (gateway: string, kind: number, subject = 'ab'.repeat(32)): Leaf => ({
  v: 1,
  kind,
  id: (++leafNo).toString(16).padStart(32, '0'),
  gateway,
  subject,
  ts: 1_763_800_000_000 + leafNo,
  commitment: leafNo.toString(16).padStart(64, '0'),
});

/** Signed headers of a chain of one-leaf batches, prepared ahead so only anchoring is timed. */
function chainOf(gw: { id: string; privateKey: string; publicKey: string }, count: number): { header: BatchHeader; signature: Uint8Array }[] {
  const out: { header: BatchHeader; signature: Uint8Array }[] = [];
  let prev = toHex(ZERO32);
  for (let seq = 0; seq < count; seq++) {
    const tree = MerkleTree.fromLeaves('sm3', [encodeLeaf(leaf(gw.id, 1))]);
    const header: BatchHeader = { v: 1, gateway: gw.id, seq, alg: 'sm3', size: 1, root: toHex(tree.root), prev, closedAt: 1_763_800_100_000 + seq };
    out.push({ header, signature: signHeader(header, gw.privateKey, gw.publicKey) });
    prev = toHex(headerHash(header));
  }
  return out;
}

// --- Anchor: in process, over the CCaaS protocol, through fabric-gateway with TLS ---
{
  const warm = 20;
  const net = await testing.createEvidenceNetwork();
  const gw = await net.registerGateway('H330100001');
  const headers = chainOf(gw, N + warm);
  const anchor = net.anchorFor(gw.identity);
  let next = 0;
  const inProcess = await perCall(() => anchor.anchor(headers[next]!.header, headers[next++]!.signature), N);
  perBatchAnchorUs = inProcess;
  const baseline = await perCall((i) => {
    const h = headers[Math.abs(i) % headers.length]!;
    verifyHeaderSignature(h.header, h.signature, gw.publicKey);
    headerHash(h.header);
  }, N);
  row('Anchor (submit, committed)', 'chaincode on in-memory peer', inProcess, 'SM2 verify + SM3 header hash alone', baseline);

  const server = await startChaincodeServer({ ccid: `anchor_1.0:${'ab'.repeat(32)}`, address: '127.0.0.1:0' });
  const stream = await testing.ChaincodeStreamPeer.connect(server.address);
  const ccaasNet = await testing.createEvidenceNetwork({ endorser: stream });
  const gw2 = await ccaasNet.registerGateway('H330100001');
  const headers2 = chainOf(gw2, N + warm);
  const anchor2 = ccaasNet.anchorFor(gw2.identity);
  let next2 = 0;
  const overStream = await perCall(() => anchor2.anchor(headers2[next2]!.header, headers2[next2++]!.signature), N);
  row('Anchor (submit, committed)', 'chaincode server, CCaaS gRPC stream', overStream, 'same chaincode in process', inProcess);
  stream.close();
  await server.close();

  const tls = net.ca.issueServer({ CN: 'peer0' }, { dns: ['peer0.org1.example.com'] });
  const gwNet = await testing.createEvidenceNetwork();
  const gw3 = await gwNet.registerGateway('H330100001');
  const service = await testing.FabricGatewayService.start(gwNet.fabric, { tls: { key: tls.privateKey, cert: tls.certificate } });
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fabric-bench-'));
  writeFileSync(join(dir, 'cert.pem'), gw3.identity.certificate);
  writeFileSync(join(dir, 'key.pem'), gw3.identity.privateKey);
  writeFileSync(join(dir, 'ca.pem'), net.ca.certificate);
  const remote = await chaincode.connectFabricAnchor({
    FABRIC_PEER_ENDPOINT: service.address,
    FABRIC_PEER_HOST_ALIAS: 'peer0.org1.example.com',
    FABRIC_MSP_ID: 'Org1MSP',
    FABRIC_CERT_PATH: join(dir, 'cert.pem'),
    FABRIC_KEY_PATH: join(dir, 'key.pem'),
    FABRIC_TLS_CERT_PATH: join(dir, 'ca.pem'),
  });
  const headers3 = chainOf(gw3, N + warm);
  let next3 = 0;
  const viaGateway = await perCall(() => remote.anchor(headers3[next3]!.header, headers3[next3++]!.signature), N);
  row('Anchor (submit, committed)', 'fabric-gateway client, TLS, signed (loopback)', viaGateway, 'same chaincode in process', inProcess);
  const latestRemote = await perCall(() => remote.latest(gw3.id), N);
  const latestLocal = await perCall(() => anchor.latest(gw.id), N);
  row('LatestBatch (evaluate)', 'fabric-gateway client, TLS, signed (loopback)', latestRemote, 'same query in process', latestLocal);
  await remote.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}

// --- Checkpoints: AnchorCheckpoint at log sizes 10, 10^3, 10^6, beside the per-batch Anchor ---
{
  /*
   * A log of a million batches is not built: a consistency proof, and the
   * roots on both sides of it, only involve perfect subtrees. The log's first
   * `base` batches are stood for by the perfect subtrees of [0, base) (random
   * hashes), later batches by random leaf hashes, and every other subtree is
   * hashed from its two halves, so each root and proof is that of one fixed log.
   */
  const h = hashFor('sm3');
  const random32 = () => core.randomOf(32);
  function syntheticLog(base: number) {
    const nodes = new Map<string, Uint8Array>();
    for (const { level, index } of rangeNodes([0, base])) nodes.set(`${level}/${index}`, random32());
    const node = (level: number, index: number): Uint8Array => {
      const id = `${level}/${index}`;
      let hash = nodes.get(id);
      if (!hash) {
        const start = index * 2 ** level;
        if (start < base && start + 2 ** level <= base) throw new Error(`subtree ${id} lies inside the random prefix`);
        hash = level === 0 ? sm3(new Uint8Array(new Float64Array([index]).buffer)) : hashChildren(h, node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
        nodes.set(id, hash);
      }
      return hash;
    };
    const hashOf = (range: readonly [number, number]) => foldNodes(h, rangeNodes(range).map(({ level, index }) => node(level, index)));
    return { root: (size: number) => hashOf([0, size]), proof: (m: number, n: number) => consistencyRanges(m, n).map(hashOf) };
  }

  const net = await testing.createEvidenceNetwork();
  let code = 0;
  for (const base of [10, 1_000, 1_000_000]) {
    const gw = await net.registerGateway(`HCKPT${++code}`);
    const log = syntheticLog(base);
    const anchor = net.anchorFor(gw.identity);
    const checkpointAt = (size: number) => ({ gateway: gw.id, alg: 'sm3' as const, size, root: toHex(log.root(size)), ts: 1_764_000_000_000 + size });
    const first = checkpointAt(base);
    await anchor.anchorSignedCheckpoint(first, signCheckpoint(first, gw.privateKey), []);
    // Each checkpoint adds one batch to the last, signed and proven ahead so only anchoring is timed.
    const runs = N + 20;
    const prepared = Array.from({ length: runs }, (_, i) => {
      const cp = checkpointAt(base + i + 1);
      return { cp, signature: signCheckpoint(cp, gw.privateKey), proof: log.proof(base + i, base + i + 1) };
    });
    let next = 0;
    const ours = await perCall(() => {
      const p = prepared[next++]!;
      return anchor.anchorSignedCheckpoint(p.cp, p.signature, p.proof);
    }, N);
    const sample = prepared[0]!;
    const bare = await perCall(() => {
      verifyCheckpointSignature(sample.cp, sample.signature, gw.publicKey);
      verifyConsistency(h, base, base + 1, log.root(base), fromHex(sample.cp.root, 32), sample.proof);
    }, N);
    const proofLength = sample.proof.length;
    row(`AnchorCheckpoint, log size ${base.toLocaleString('en')} (+1 batch, ${proofLength}-hash proof)`, 'chaincode on in-memory peer', ours, 'per-batch Anchor, same peer, same run', perBatchAnchorUs);
    rows.push({
      what: `  of which SM2 + consistency check, log size ${base.toLocaleString('en')}`,
      ours: fmt(bare),
      impl: 'core verifyCheckpointSignature + verifyConsistency',
      baseline: fmt(ours),
      'baseline impl': 'the AnchorCheckpoint above',
      'ours / baseline': `${(bare / ours).toFixed(2)}×`,
    });
  }
}

// --- Inclusion proofs: chaincode evaluate vs the core verifier, by depth ---
{
  const net = await testing.createEvidenceNetwork();
  const reader = net.portFor(net.identity('verifier'));
  const noop = await perCall(() => reader.evaluate('registry:WhoAmI'), N);
  for (const depth of [1, 4, 8, 16, 20]) {
    const size = 2 ** depth;
    const hashes = Array.from({ length: size }, (_, i) => core.sm3(new Uint8Array([i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff])));
    const tree = MerkleTree.fromLeafHashes('sm3', hashes);
    const index = size - 3 > 0 ? size - 3 : 0;
    const path = tree.proof(index);
    const args = [toHex(hashes[index]!), String(index), String(size), JSON.stringify(path.map(toHex)), toHex(tree.root)];
    const ours = await perCall(() => reader.evaluate('anchor:VerifyInclusion', ...args), N);
    const base = await perCall(() => verifyInclusion(hashFor('sm3'), index, size, hashes[index]!, path, tree.root), N * 10);
    row(`VerifyInclusion, depth ${depth}`, 'chaincode evaluate', ours, 'core verifyInclusion (SM3)', base);
  }
  rows.push({ what: 'empty evaluate (WhoAmI)', ours: fmt(noop), impl: 'dispatch + X.509 identity + JCS', baseline: '—', 'baseline impl': 'reference: the floor of every call', 'ours / baseline': '—' });
}

// --- Claims with 1, 4 and 16 items; credentials ---
{
  const net = await testing.createEvidenceNetwork();
  const hospital = await net.registerGateway('H330100001');
  const insurerId = net.identity('insurer');
  const insurer = net.portFor(insurerId);
  const insurerAccount = await net.accountOf(insurerId);
  await chaincode.setClaimPolicy(net.governorPort, insurerAccount, [5]);
  const subject = 'cd'.repeat(32);
  const consentBatch = await net.anchorLeaves(hospital, [leaf(hospital.id, 9, subject)]);
  await chaincode.grantConsent(hospital.port, { gateway: hospital.id, grantee: insurerAccount, kinds: [5, 8], expiresAt: Date.now() + 86_400_000, evidence: consentBatch.item(0) });
  for (const items of [1, 4, 16]) {
    const runs = quick ? 10 : 40;
    const batches: Awaited<ReturnType<typeof net.anchorLeaves>>[] = [];
    for (let r = 0; r < runs + Math.min(20, runs); r++) {
      const leaves = Array.from({ length: items }, (_, i) => leaf(hospital.id, i === 0 ? 5 : 8, subject));
      batches.push(await net.anchorLeaves(hospital, leaves));
    }
    let c = 0;
    const ours = await perCall(async () => {
      const b = batches[c]!;
      await chaincode.submitClaim(insurer, { id: `CLM-${items}-${c++}`, subject, items: Array.from({ length: items }, (_, i) => b.item(i)) });
    }, runs);
    const sample = batches[0]!;
    const base = await perCall(() => {
      for (let i = 0; i < items; i++) {
        const it = sample.item(i);
        verifyInclusion(hashFor('sm3'), it.inclusion.index, it.inclusion.size, leafHash('sm3', it.leaf), it.inclusion.path.map((p) => fromHex(p, 32)), fromHex(sample.header.root, 32));
      }
    }, runs * 10);
    row(`SubmitClaim, ${items} item${items > 1 ? 's' : ''}`, 'chaincode submit, committed', ours, `${items}× core leafHash + verifyInclusion`, base);
  }
  let k = 0;
  const credential = () => ({
    id: `DOC-${k++}`,
    issuer: hospital.id,
    practitioner: 'e1'.repeat(32),
    role: 'doctor' as const,
    licenceDigest: 'f0'.repeat(32),
    validFrom: 0,
    validUntil: 2 ** 42,
  });
  const issue = await perCall(() => chaincode.issueCredential(hospital.port, credential()), N);
  const put = await perCall(() => jcsString(credential()), N * 10);
  row('IssueCredential', 'chaincode submit, committed', issue, 'JCS of the record alone', put);
  const status = await perCall(() => chaincode.credentialStatusAt(hospital.port, 'DOC-1', 1_763_800_000_000), N);
  const whoami = await perCall(() => chaincode.whoAmI(hospital.port), N);
  row('CredentialStatusAt', 'chaincode evaluate', status, 'empty evaluate (WhoAmI)', whoami);
}

console.table(rows);
