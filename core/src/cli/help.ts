export const HELP = `evidence — 互联网医院存证证明工具 / evidence proof tool for internet hospitals

用法 Usage:
  evidence verify FILE... [--json] [--trust TRUST.json] [--witnesses POLICY.json] [--rpc URL [--contract ADDRESS]] [--offline]
      核验结论分层给出，不合并为一个“有效”：① 内容完整（离线各步骤）② 签名密钥属于该机构（信任策略或链上登记）
      ③ 链上锚定（联网）与受信见证人联署（策略）。顶行写明哪些层级已核验、哪些未核验；--json 中为 "levels"。
      --trust 给出监管机构发布的信任策略（evidence-trust/1：链地址、机构及其按 seq 分段的密钥、路由节点、见证人与法定数），
      密钥不是登记的机构密钥即无效（退出码 1，failedStep "trust"），并自动在策略所列的链（EVM 或 Fabric）上核对锚定
      （--offline 不联网）。未给策略时退出码不变（完整即 0），但明确说明密钥未核验。
      Levels, never merged into one tick: (1) intact, (2) the keys are the institution's (trust policy or the
      chain's registry), (3) anchored on chain and cosigned by trusted witnesses. --trust applies a trust policy:
      keys not registered for the institution are invalid (exit 1, failedStep "trust"); the policy's chain is asked
      with no typing (EVM, or Fabric: --fabric-peer, --fabric-msp, --fabric-cert, --fabric-key, --fabric-tls-ca
      override chains.fabric). Without a policy exit codes are as before and the output says the keys were not checked.
      离线验证证明包（evidence-proof/1 与 evidence-proof/2），按规范顺序逐步核验并指出第一个失败的步骤：
      披露、叶子、包含证明、批次头 SM2 签名；v2 另有：批次在网关日志中的位置（log）、检查点签名（checkpoint）、
      见证人联署（cosignature）。--witnesses 给出见证策略（受信见证人及其公钥、法定数 quorum），
      受信联署不足时在 witnesses 步骤失败。给出 --rpc 时再在链上核对锚定（v2：该大小的检查点与根、登记的公钥）。
      Verify proof bundles offline (both formats), naming the first failing step: disclosure, leaf,
      inclusion, signature; for v2 also log (the batch in the gateway's log), checkpoint (its SM2
      signature), cosignature (the witnesses' cosignatures). --witnesses applies a witness policy
      (trusted witness ids and keys, a quorum): too few trusted cosignatures fail at step witnesses.
      With --rpc, also check the anchor on an EVM chain (v2: the checkpoint at its size with its root,
      and the registered keys for batch seq and for size - 1).
      POLICY.json: { "quorum": 2, "witnesses": [{ "id": "<64 hex>", "publicKey": "<130 hex>", "code": "RN-ZJ-01" }] }
      （也接受 also accepted: { "quorum": 2, "witnesses": { "<id>": "<publicKey>" } }）
      --json：每个文件一行 one line per file { "file", "valid", "failedStep", "message", "format", "detail"?, "log"?, "witnesses"?, "anchor"? }；
      无法读取的文件 an unreadable file: { "valid": false, "failedStep": null, "unreadable": true }，退出码 exit 2。
  evidence verify-consistency FILE [--first-root HEX] [--json]
  evidence verify-consistency --gateway URL --from M --to N [--token T] [--first-root HEX] [--json]
      核验网关批次日志的一致性证明（RFC 9162）：大小 N 的日志只是在大小 M 的日志之后追加，未改写历史。
      FILE 为 { "alg", "first", "second", "firstRoot", "secondRoot", "proof": [...] }；--gateway 时向
      GET URL/v1/log/consistency?first=M&second=N 请求（T 也可由环境变量 EVIDENCE_GATEWAY_TOKEN 给出）。
      --first-root 固定此前见过的大小 M 的根：网关给出不同的根即说明日志被改写。
      Check that a gateway's batch log of size N extends its log of size M without rewriting it.
      --first-root pins the root of size M a monitor saw earlier: another root means the log was rewritten.
  evidence verify-trace FILE [--json] [--trust TRUST.json | --rpc URL --contract ADDRESS]
      验证跨机构请求的逐跳签名轨迹（附 request、response 时核对摘要）。FILE 为 { "hops": [...], "nodes": [{ "id", "publicKey" }], "request"?, "response"? }。
      文件中的公钥只证明“内容完整”；--trust 或 --rpc 以登记的机构与节点密钥再核一遍，不符即无效（failedStep "trust"）。
      Verify a signed hop trace (digests too when request and response are attached). The keys in the file only show it
      is intact; --trust or --rpc checks it again with the registered keys (failedStep "trust" when they differ).
  evidence certificate FILE -o REPORT.pdf|REPORT.html [--trust TRUST.json] [--rpc URL ...] [--unmask] [--offline]
      生成存证核验报告（一页 A4）：核验时间与工具版本、文件 SM3、出具机构与证据类型、各时间（北京时间）、链/区块/交易/检查点、
      见证人、各步骤结果、二维码（文件 SM3 与复核方式）；身份证号、手机号默认遮盖（--unmask 显示）。PDF 由 Chromium 打印
      （playwright-core，CHROMIUM_PATH 默认 /usr/bin/chromium），需安装中文字体；没有 Chromium 时可输出 .html 在浏览器中打印。
      The evidence certificate on one A4 page; personal data masked unless --unmask. PDF printed by Chromium.
  evidence trust export --rpc URL --contract ADDRESS [--names NAMES.json] [--quorum K] [--issuer TEXT] [--from-block N] [--out FILE]
      由链上登记导出信任策略（evidence-trust/1）：EvidenceAnchor 上登记的全部网关（机构）与路由节点及其密钥历史、启用的见证人与法定数、链本身。
      链上只有标识（SM3(代码)），NAMES.json 为 { "代码 CODE": "名称 name" }，按标识匹配。
      Export a trust policy from EvidenceAnchor's registry: gateways and routing nodes with their key histories,
      active witnesses and a quorum, and the chain. NAMES.json maps codes to names (the chain holds ids only).
  evidence trust export --fabric-peer HOST:PORT --fabric-msp MSP --fabric-cert PATH --fabric-key PATH --fabric-tls-ca PEM
                       [--fabric-host-alias NAME] [--fabric-channel C] [--fabric-chaincode N] --gateways CODE,... [--nodes CODE,...] [--names NAMES.json] [--out FILE]
      由 Fabric 链码登记导出信任策略：链码按标识保存机构与节点的记录和密钥历史，但不提供列表，故按代码指定；链码没有见证人登记（法定数 0）。
      From the Fabric chaincode's registry, by code (it keeps records by id and offers no listing; no witness registry).
  evidence audit --gateway ID --rpc URL [--contract ADDRESS] [--gateway-url URL --token T] [--state FILE] [--threads N] [--json]
      监管审计：读取链上锚定的全部检查点，核对相邻检查点的一致性（日志只增不改）、每个批次头签名（按各 seq 登记的公钥，识别已轮换密钥）、
      seq/prev 链，并由网关提供的批次头重算批次日志，与链上每个检查点的根比对，指出被改写的批次；逐批锚定的旧数据照旧核对。
      --state 从上次审计通过处续审（每日审计只核当天的批次），状态与链不符即为问题；--threads 为签名核验线程数（默认每核一个）。
      ID 为 64 位十六进制或机构代码。
      A regulator's audit of a gateway's history: the anchored checkpoints read from chain state, each consecutive
      pair consistent (the log only grew), every header signature against the key registered for its seq
      (rotated-out keys named), the seq/prev chain, and the log recomputed from the gateway's headers and compared
      with every anchored root, naming a rewritten batch (log-mismatch), a fork (log-fork), a checkpoint the chain
      does not hold (checkpoint-not-on-chain), gaps and batches never anchored. Batches anchored one by one (v1) are
      audited as before. --state FILE resumes after the last clean run (a daily audit costs the day's batches); a
      state the chain does not hold is a finding (state-mismatch). --threads N: signature threads (default: one per core).
  evidence claim submit PACKAGE --rpc URL --key KEY [--contract ADDRESS | --deployment FILE] [--json]
      保险理赔：离线核验网关给出的理赔材料包（evidence-claim/1），再以保险公司账户提交到 ClaimVerifier 并输出链上结论。
      KEY 也可由环境变量 EVIDENCE_INSURER_KEY 给出；ADDRESS 为 ClaimVerifier 地址。
      Insurers: check a gateway's claim package offline, submit it to ClaimVerifier from the insurer's
      account (KEY, or EVIDENCE_INSURER_KEY) and print the chain's verdict.
  evidence witnesses export --rpc URL --contract ADDRESS [--quorum K] [--out FILE]
      由链上登记生成见证策略（供 verify --witnesses 使用）：EvidenceAnchor 上所有启用的见证人及其当前公钥。
      默认法定数 quorum：有见证人时为 1，没有时为 0。ADDRESS 为 EvidenceAnchor 地址（也可由 EVIDENCE_ANCHOR_ADDRESS 给出）。
      Export a witness policy for verify --witnesses from the chain's registry: every active witness on
      EvidenceAnchor with its current key. Default quorum: 1 when any witness is registered, else 0.
      Output: { "quorum": K, "witnesses": [{ "id", "publicKey" }] } on standard output, or to FILE.
  evidence monitor --gateway ID (--witnesses URL,URL,... | --witnesses-file FILE) [--gateway-url URL --token T] [--json]
      监测分裂视图：向每个见证人索取其最近副签的该网关检查点（GET URL/v1/witness/checkpoints/ID），核验网关签名与见证签名，
      两两比对：同一大小必须同一个根；大小不同时向网关索取一致性证明（GET /v1/log/consistency）并以两个见证过的根核验。
      网关向不同见证人展示不同历史（同一大小两个根、证明不成立或网关给不出证明）即报告分裂视图，并列出双方由网关签名的检查点及副签见证人。
      同时列出每个见证人 GET /v1/witness/forks 中该网关的分叉证据。FILE 为 [{ "code"?, "url" }]；ID 为 64 位十六进制或机构代码。
      Ask each witness for the last checkpoint of the gateway it cosigned, verify the gateway's signature and
      the cosignature, and check them pairwise: one size, one root; two sizes, a consistency proof from the
      gateway checked against the two witnessed roots. A split view (two witnesses shown different histories)
      is reported with both gateway-signed checkpoints and the witnesses that cosigned them; each witness's
      fork evidence for the gateway is listed too.
  evidence keygen
      生成 SM2 密钥对（JSON）。Generate an SM2 key pair (JSON).
  evidence id CODE
      机构或设备代码的 32 字节标识 SM3(code)。The 32-byte id SM3(code) of an institution or device code.
  evidence hash --alg sm3|keccak256 FILE
      文件摘要（FILE 为 - 时读标准输入）。Digest of a file (- reads standard input).

退出码 Exit codes:
  0 全部有效 all valid · 1 存在无效 some invalid · 2 用法错误或文件不可读 usage error or unreadable file
  （verify-consistency：0 一致 consistent，1 不一致或被改写 not consistent or rewritten，2 不可读、格式错误或网关不可达 unreadable, malformed or unreachable；
    audit：1 = 发现问题 findings；monitor：0 同一历史 one history，1 分裂视图 split view，2 不可达、应答无效或无法判定 unreachable, invalid or undetermined；claim：1 = 材料无效或被拒 invalid or rejected；2 另含网络或链不可达 also unreachable）

规范 Specification: evidence proof format v1 and v2 (evidence-proof/1, evidence-proof/2), docs/evidence-proof-v2.md.
`;
