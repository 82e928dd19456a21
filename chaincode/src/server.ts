/**
 * Entry point of the chaincode as a service (`npm run start:ccaas -w @evidence/chaincode`):
 * starts the server from the environment (see ccaas/server.ts) and stops it on SIGINT/SIGTERM.
 */
import { ccaasSettingsFromEnv, CcaasSettingsError, startChaincodeServer } from './ccaas/server.js';

try {
  const server = await startChaincodeServer(ccaasSettingsFromEnv());
  console.log(`evidence chaincode ${server.ccid} listening on ${server.address} / 链码服务已在 ${server.address} 监听`);
  const stop = async (signal: string) => {
    console.log(`${signal}: stopping / 正在停止`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (e) {
  if (e instanceof CcaasSettingsError) {
    console.error(`configuration error / 配置错误: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
