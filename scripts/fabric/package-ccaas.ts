/**
 * Builds the chaincode-as-a-service package for `peer lifecycle chaincode install`.
 * 生成"链码即服务"安装包，供 `peer lifecycle chaincode install` 使用。
 *
 *   npx tsx scripts/fabric/package-ccaas.ts --label anchor_1.0 --address evidence-chaincode:9999 [options]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildCcaasPackage, type CcaasPackageOptions } from '../../chaincode/src/ccaas/package.js';

const HELP = `Usage / 用法:
  npx tsx scripts/fabric/package-ccaas.ts --label LABEL --address HOST:PORT [options]

Builds LABEL.tar.gz: metadata.json {"type":"ccaas"} and code.tar.gz holding connection.json.
生成 LABEL.tar.gz：包含 metadata.json（type 为 ccaas）以及内含 connection.json 的 code.tar.gz。

  --label LABEL             package label, e.g. anchor_1.0 / 包标签
  --address HOST:PORT       where peers reach the chaincode server / 节点访问链码服务的地址
  --dial-timeout 10s        how long a peer waits to connect / 连接超时
  --tls-root-cert FILE      chaincode server's TLS root CA (PEM): enables TLS / 链码服务 TLS 根证书，启用 TLS
  --tls-client-cert FILE    peer's client certificate for mutual TLS / 双向 TLS 的客户端证书
  --tls-client-key FILE     peer's client key for mutual TLS / 双向 TLS 的客户端私钥
  --out FILE                output file (default LABEL.tar.gz) / 输出文件
  -h, --help                this help / 显示帮助

Prints the package id (LABEL:sha256 of the file), which the peer reports on install
and the chaincode server needs as CHAINCODE_ID.
输出包 ID（LABEL:文件 SHA-256），安装时节点会显示同一 ID，链码服务以 CHAINCODE_ID 使用它。`;

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      label: { type: 'string' },
      address: { type: 'string' },
      'dial-timeout': { type: 'string' },
      'tls-root-cert': { type: 'string' },
      'tls-client-cert': { type: 'string' },
      'tls-client-key': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.label) fail('--label is required / 缺少 --label');
if (!values.address) fail('--address is required / 缺少 --address');

const read = (flag: string, path: string | undefined): string | undefined => {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`${flag}: cannot read ${path}: ${(e as Error).message}`);
  }
};
const rootCert = read('--tls-root-cert', values['tls-root-cert']);
const options: CcaasPackageOptions = {
  label: values.label,
  address: values.address,
  dialTimeout: values['dial-timeout'],
  tls: rootCert
    ? { rootCert, clientCert: read('--tls-client-cert', values['tls-client-cert']), clientKey: read('--tls-client-key', values['tls-client-key']) }
    : undefined,
};
if (!rootCert && (values['tls-client-cert'] || values['tls-client-key'])) fail('mutual TLS needs --tls-root-cert too / 双向 TLS 还需要 --tls-root-cert');

let bytes: Uint8Array;
try {
  bytes = buildCcaasPackage(options);
} catch (e) {
  fail((e as Error).message);
}
const out = values.out ?? `${values.label}.tar.gz`;
writeFileSync(out, bytes);
const packageId = `${values.label}:${createHash('sha256').update(bytes).digest('hex')}`;
console.log(`package / 安装包: ${out}`);
console.log(`package id / 包 ID: ${packageId}`);
