/**
 * Deploys the four evidence contracts to any JSON-RPC endpoint and writes the
 * deployment file the gateway and the `evidence` CLI read.
 *
 *   RPC_URL=http://127.0.0.1:8545 DEPLOYER_KEY=0x... npx tsx scripts/deploy.ts [--out FILE] [--admin ADDRESS]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isEvidenceError } from '@evidence/core';
import { deployAll, openConnection, saveDeployment } from '@evidence/contracts';

const HELP = `用法 Usage: RPC_URL=URL DEPLOYER_KEY=0x... npx tsx scripts/deploy.ts [--out FILE] [--admin ADDRESS]

  部署 EvidenceAnchor、ConsentRegistry、ClaimVerifier、CredentialRegistry，
  并写出部署文件（链 ID、合约地址、起始区块、部署账户）。
  Deploys EvidenceAnchor, ConsentRegistry, ClaimVerifier and CredentialRegistry
  and writes the deployment file (chain id, addresses, first block, deployer).

  环境变量 Environment:
    RPC_URL        JSON-RPC 地址 / JSON-RPC endpoint (http or https)
    DEPLOYER_KEY   部署账户私钥（0x 开头）/ deployer's private key (0x...)
  选项 Options:
    --out FILE       部署文件路径，默认 .local/deployment.json / deployment file (default .local/deployment.json)
    --admin ADDRESS  持有管理员角色的账户，默认为部署账户 / holder of the admin roles (default: the deployer)
    --help           显示本帮助 / show this help`;

function usage(message: string): never {
  console.error(`错误 error: ${message}\n\n${HELP}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { out?: string; admin?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { out: { type: 'string' }, admin: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: false,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const rpcUrl = process.env.RPC_URL;
  const key = process.env.DEPLOYER_KEY;
  if (!rpcUrl) usage('RPC_URL is not set');
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) usage('DEPLOYER_KEY must be a 0x-prefixed 32-byte private key');
  const out = resolve(values.out ?? '.local/deployment.json');

  const connection = openConnection({ rpcUrl, privateKey: key }, 'CHAIN_UNAVAILABLE');
  try {
    const { signer } = await connection.ready();
    const deployment = await deployAll({ signer: signer!, admin: values.admin });
    saveDeployment(out, deployment);
    console.log(JSON.stringify(deployment, null, 2));
    console.error(`已写入 written: ${out}`);
  } finally {
    connection.close();
  }
}

main().catch((e: unknown) => {
  if (isEvidenceError(e)) {
    console.error(`部署失败 deployment failed [${e.code}]: ${e.message}`);
  } else {
    console.error(`部署失败 deployment failed: ${(e as Error).stack ?? String(e)}`);
  }
  process.exit(1);
});
