/**
 * `npm start`: the local evidence network on embedded defaults. A Hardhat
 * chain on 127.0.0.1 (journaled, so it keeps its state across restarts), the
 * contracts deployed once, N gateways registered and started with LevelDB data
 * under .local/gateways/, and .local/stack.json describing all of it.
 * Witnesses: the routing node cosigns every gateway's checkpoints, and every
 * gateway cosigns the others' (WITNESS_ENABLED), and all of them hold the
 * witness role on EvidenceAnchor; each gateway asks the node and the other
 * gateways, and waits for 2 cosignatures before anchoring.
 * Ctrl-C stops everything it started.
 */
import { mkdirSync } from 'node:fs';
import { anchoringStates, banner } from './stack/banner.js';
import { startStackChain } from './stack/chain.js';
import { freePort, prepareGateway, spawnStackGateway, type PreparedGateway } from './stack/gateways.js';
import { stopOnSignals } from './stack/lifecycle.js';
import { writeStackFile } from './stack/stack-file.js';
import { gatewayCode, HELP, parseOptions } from './stack/options.js';
import { startStackRouting } from './topologies/stack-routing.js';

const say = (m: string) => console.log(m);

/** Cosignatures each gateway waits for (at most WITNESS_TIMEOUT_MS) before anchoring a checkpoint. */
const WITNESS_QUORUM = 2;

interface StackWitness {
  code: string;
  id: string;
  url: string;
  publicKey: string;
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  mkdirSync(options.dir, { recursive: true });

  const { stack: running, stop } = stopOnSignals(say);
  const gateways = running.gateways;

  try {
    const chain = (running.chain = await startStackChain(options.dir, options.chainPort, options.blockTime, say));
    const { deployment } = chain;
    // Routing nodes first: each gateway publishes its services to its node when it starts.
    const routing = (running.routing = await startStackRouting({
      dir: options.dir,
      gatewayCodes: Array.from({ length: options.gateways }, (_, i) => gatewayCode(i)),
      chain: { rpcUrl: chain.chain.rpcUrl, contract: deployment.contracts.EvidenceAnchor, provider: chain.provider },
      say,
    }));
    // Every gateway's key and port first: each one's witnesses include all the others.
    const prepared: { g: PreparedGateway; port: number }[] = [];
    for (let i = 0; i < options.gateways; i++) {
      const g = await prepareGateway(options.dir, gatewayCode(i), i);
      const registration = await chain.ensureRegistered(g.id, g.publicKey, g.account);
      if (registration === 'registered') say(`gateway ${g.code} registered / 网关已登记`);
      if (registration === 'other-key') say(`WARNING: ${g.code} is registered with another SM2 key; it will refuse to anchor / 警告：链上登记的公钥不同，网关将拒绝锚定`);
      prepared.push({ g, port: options.gatewayPort === 0 ? await freePort() : options.gatewayPort + i });
    }
    const witnesses: StackWitness[] = [
      routing.witness,
      ...prepared.map(({ g, port }) => ({ code: g.code, id: g.id, url: `http://127.0.0.1:${port}`, publicKey: g.publicKey })),
    ];
    // On chain too, so that a court can export its witness policy from the registry (evidence witnesses export).
    for (const w of witnesses) {
      const role = await chain.ensureWitness(w.id);
      if (role === 'set') say(`witness role given to ${w.code} on chain / 已在链上登记为见证方`);
      if (role === 'unsupported') {
        say(`WARNING: these contracts predate witness registration; ${w.code} cosigns but is not listed on chain (delete .local/ to redeploy) / 警告：合约版本不支持见证方登记`);
      }
    }
    for (const { g, port } of prepared) {
      // Never itself: a gateway cannot witness its own log.
      const others = witnesses.filter((w) => w.id !== g.id);
      gateways.push(
        await spawnStackGateway(g, { rpcUrl: chain.chain.rpcUrl, contract: deployment.contracts.EvidenceAnchor, fromBlock: deployment.block }, port, say, {
          ...routing.env(g.code),
          // Patients' grants to insurers and practitioners' credentials, written from the gateway's account.
          EVM_CONSENT_REGISTRY: deployment.contracts.ConsentRegistry,
          EVM_CREDENTIAL_REGISTRY: deployment.contracts.CredentialRegistry,
          WITNESS_ENABLED: 'true',
          WITNESSES: JSON.stringify(others),
          WITNESS_QUORUM: String(Math.min(WITNESS_QUORUM, others.length)),
        }),
      );
    }
    for (const g of gateways) void g.exited.then(() => !running.stopping && say(`gateway ${g.code} stopped unexpectedly / 网关意外退出`));

    const witnessQuorum = Math.min(WITNESS_QUORUM, witnesses.length - 1);
    const stackFile = writeStackFile(options.dir, chain, routing, {
      gateways: gateways.map((g) => ({ code: g.code, id: g.id, url: g.url, docs: `${g.url}/docs`, token: g.token, services: routing.services(g.code) })),
      witnesses,
      witnessQuorum,
    });
    say(banner(chain.chain.rpcUrl, deployment.contracts.EvidenceAnchor, gateways, await anchoringStates(gateways), stackFile, witnesses, witnessQuorum));
    say(routing.banner(gateways));
  } catch (e) {
    console.error(`npm start failed / 启动失败: ${(e as Error).message}`);
    await stop(1);
  }
}

void main();
