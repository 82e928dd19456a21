/**
 * The crash tests' gateway process: gateway/src/server.ts's start, plus a
 * fault the test names in FAULT_KILL_AT. The process SIGKILLs itself at that
 * moment of batching or anchoring, through createGateway's `faults` hooks, so
 * production code holds no kill switch and reads no test setting.
 */
import { createGateway, loadConfig, type GatewayFaults } from '@evidence/gateway';

const kill = () => process.kill(process.pid, 'SIGKILL');

/** The hooks that kill the process at the named moment. */
function faultsAt(at: string | undefined): GatewayFaults {
  switch (at) {
    case undefined:
    case '':
      return {};
    case 'after-close':
      return { batchClosed: kill };
    case 'before-send':
      return { anchorStep: (step) => (step === 'before-send' ? kill() : undefined) };
    case 'after-send':
      // Killed while the transaction waits for its block: sent, not yet confirmed.
      return { anchorStep: (step) => (step === 'sent' ? void setTimeout(kill, 200) : undefined) };
    case 'after-confirm':
      return { anchorStep: (step) => (step === 'confirmed' ? kill() : undefined) };
    case 'before-record':
      return { beforeRecord: kill };
    default:
      throw new Error(`FAULT_KILL_AT: unknown fault point ${JSON.stringify(at)}`);
  }
}

const config = loadConfig();
const gateway = await createGateway(config, { faults: faultsAt(process.env.FAULT_KILL_AT) });
const url = await gateway.app.listen({ host: config.HOST, port: config.PORT });
// spawnGateway reads this line to learn the port, as from server.ts.
process.send?.({ type: 'listening', url, code: config.GATEWAY_CODE, id: gateway.ctx.gatewayId });
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
