import { loadConfig, ConfigError } from './config/load.js';
import { createGateway } from './gateway.js';

/**
 * Starts one gateway from environment variables and listens. Everything else
 * lives in createGateway and the app plugin; SIGINT/SIGTERM close it cleanly
 * (acknowledged data is already on disk, so a SIGKILL loses nothing either).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  // createGateway also registers the remote-call routes when REMOTE_CONFIG is set.
  const gateway = await createGateway(config);
  const address = await gateway.app.listen({ host: config.HOST, port: config.PORT });
  gateway.app.log.info(`gateway ${config.GATEWAY_CODE} listening on ${address} (docs ${address}/docs)`);
  // A parent process (npm start, tests) reads this line to learn the port.
  if (process.send) process.send({ type: 'listening', url: address, code: config.GATEWAY_CODE, id: gateway.ctx.gatewayId });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info(`${signal}: closing`);
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
