export const HELP = `evidence — 互联网医院存证证明工具 / evidence proof tool for internet hospitals

用法 Usage:
  evidence verify FILE... [--json] [--rpc URL [--contract ADDRESS]]
      离线验证证明包（披露、叶子、包含证明、SM2 签名），给出 --rpc 时再在链上核对锚定。
      Verify proof bundles offline (disclosure, leaf, inclusion, SM2 signature);
      with --rpc, also check the anchor on an EVM chain.
  evidence verify-trace FILE [--json]
      验证跨机构请求的逐跳签名轨迹。FILE 为 { "hops": [...], "nodes": [{ "id", "publicKey" }] }。
      Verify a signed hop trace; FILE holds { "hops": [...], "nodes": [...] }.
  evidence audit --gateway ID --rpc URL [--contract ADDRESS] [--gateway-url URL --token T] [--json]
      监管审计：遍历该网关在链上锚定的全部批次，核对 seq/prev 链与每个批次头签名（按各 seq 登记的公钥），
      并与网关提供的批次头比对，报告缺号、分叉、无效签名（含已轮换密钥）与未锚定批次。ID 为 64 位十六进制或机构代码。
      A regulator's audit of a gateway's whole history: every anchored batch, the seq/prev chain, every
      header signature against the key registered for its seq, compared with the gateway's own headers;
      reports gaps, forks, bad signatures (incl. rotated-out keys) and batches never anchored.
  evidence claim submit PACKAGE --rpc URL --key KEY [--contract ADDRESS | --deployment FILE] [--json]
      保险理赔：离线核验网关给出的理赔材料包（evidence-claim/1），再以保险公司账户提交到 ClaimVerifier 并输出链上结论。
      KEY 也可由环境变量 EVIDENCE_INSURER_KEY 给出；ADDRESS 为 ClaimVerifier 地址。
      Insurers: check a gateway's claim package offline, submit it to ClaimVerifier from the insurer's
      account (KEY, or EVIDENCE_INSURER_KEY) and print the chain's verdict.
  evidence keygen
      生成 SM2 密钥对（JSON）。Generate an SM2 key pair (JSON).
  evidence id CODE
      机构或设备代码的 32 字节标识 SM3(code)。The 32-byte id SM3(code) of an institution or device code.
  evidence hash --alg sm3|keccak256 FILE
      文件摘要（FILE 为 - 时读标准输入）。Digest of a file (- reads standard input).

退出码 Exit codes:
  0 全部有效 all valid · 1 存在无效 some invalid · 2 用法错误或文件不可读 usage error or unreadable file
  （audit：1 = 发现问题 findings；claim：1 = 材料无效或被拒 invalid or rejected；2 另含网络或链不可达 also unreachable）

规范 Specification: evidence proof format v1 (evidence-proof/1).
`;
